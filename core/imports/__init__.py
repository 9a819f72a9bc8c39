"""Members in and out (会员导入导出): import from CSV and Excel with a column mapping, a dry run
listing every bad row, an all-or-nothing import run as a job; export of member lists."""
