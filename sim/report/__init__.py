"""Charts and a one-page briefing drawn from KPI tables (pandas DataFrames) only.

``tables`` builds the tables from records and KPIs, ``charts`` draws one matplotlib
Figure per table, ``briefing`` puts three of them on an A4 page, ``labels`` holds
every word in English and Chinese (``report.lang``) and ``fonts`` the bundled
CJK font (Noto Sans SC, SIL OFL 1.1) that renders the Chinese.
"""
