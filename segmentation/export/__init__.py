"""Export: the customers of a run's segments (or saved audiences) as campaign files, ad-platform
hashed lists and holdout groups, each export recorded in an audit log.

- :mod:`.plan`: :func:`~.plan.plan_export` (what an export would write) and
  :func:`~.plan.export_audience` (write and record it).
- :mod:`.model`: the data classes (ExportOptions, ExportPlan, ExportFile, ExportResult).
- :mod:`.contacts`: the customer table that gives the contact fields, and the columns to add.
- :mod:`.power`: holdout sizes and the minimum detectable effect.
- :mod:`.files`: the file formats and their writers; :mod:`.log`: the audit log of exports.
- :mod:`.identifiers`: normalizing and hashing e-mails, phones, names, zips, countries;
  :mod:`.platforms`: the Google Ads and Meta upload rows built from them.
- :mod:`.suppression`: suppression lists (customers not to contact).
- :mod:`.audiences`: saved audiences (save, list, get, members, delete).
"""
