"""Profiles: what each segment is, how big and valuable, its name, readable rules, a report.

Building a profile only reads the workspace; storing the names it generated is a call of its own
(:func:`~.build.save_segment_names`), as is renaming (:func:`~.naming.rename_segments`).

* :mod:`.build` - :func:`~.build.build_profile` (the :class:`~.build.RunProfile` of every
  segment, with its views for pages and reports) and :func:`~.build.save_segment_names`
* :mod:`.stats` - sizes, means, medians, revenue per segment and for everyone (one query)
* :mod:`.top_values` - the top categories, countries and products of each segment's purchases
* :mod:`.rundata` - what profiles and rules read of a run: its table, features, a sample
* :mod:`.naming` - generated names and descriptions; renaming segments
* :mod:`.words` - features and their values in plain words
* :mod:`.rules` - readable rules from a shallow decision tree, checked on every customer
* :mod:`.actions` - a suggested next step per segment (an RFM-style playbook)
* :mod:`.report` - a self-contained HTML report of a run
"""
