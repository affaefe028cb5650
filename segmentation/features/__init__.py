"""Features: one row per customer, built in SQL inside the workspace.

- :mod:`.build`: :func:`~.build.build_features`, the one entry (checks, runs, records the table).
- :mod:`.definitions`: what the features are (``FEATURE_HELP``, ``BEHAVIOURAL_FEATURES``).
- :mod:`.sql`: the SQL blocks both kinds of source share (``Plan``, ``cte``, ``customer_id_sql``).
- :mod:`.transactions`: RFM and behaviour features of a transactions table (the plan of a
  build); :mod:`.transaction_sql`: their SQL.
- :mod:`.customers`: the columns of a customers table as features.
- :mod:`.summaries`: histograms, correlations and samples of a table, for the Features page.
"""
