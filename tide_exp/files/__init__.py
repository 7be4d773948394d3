"""Files: output checks before the work (:mod:`~tide_exp.files.checks`), atomic writes
(:mod:`~tide_exp.files.atomic`, :mod:`~tide_exp.files.writers`), readers that name the file and
line of a problem (:mod:`~tide_exp.files.readers`) and the parsing of untrusted JSON and CSV text
(:mod:`~tide_exp.files.parsing`).

The bottom of the stack: imports nothing of tide_exp but :mod:`tide_exp.errors`.
"""
