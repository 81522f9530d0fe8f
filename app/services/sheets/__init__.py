"""Guest files read into tables of text, within budgets, in a child process.

An uploaded file is untrusted: a 2 KB workbook can declare a billion cells, a CSV header
can hold 600,000 columns. `reader` runs the readers (`text`, `xlsx`) in a child process
with a memory and CPU limit, so a file that is too big answers with what was over and a
crash or a runaway takes no web request with it. Nothing here imports Flask, so the child
starts in milliseconds.
"""
