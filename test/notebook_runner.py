"""Executes a notebook with nbclient and records each cell's execute_reply status.

usage: notebook_runner.py IN.ipynb OUT.ipynb KERNEL_NAME [TIMEOUT_S]

Writes the executed notebook to OUT.ipynb with, in each code cell's metadata,
"embedlab_test": {"status": <reply status>, "seconds": <wall time>}. Cells
tagged "raises-exception" may fail (nbclient then sends stop_on_error=false);
any other failure stops the run with exit status 1, after writing OUT.
Runs in the notebook's own folder, as Jupyter does.
"""
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main():
    source, target, kernel = sys.argv[1:4]
    timeout = int(sys.argv[4]) if len(sys.argv) > 4 else 600
    nb = nbformat.read(source, as_version=4)
    started = {}

    def on_start(cell, cell_index):
        started[cell_index] = time.time()

    def on_done(cell, cell_index, execute_reply):
        cell.metadata["embedlab_test"] = {
            "status": execute_reply["content"]["status"],
            "seconds": round(time.time() - started.get(cell_index, time.time()), 3),
        }

    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
        on_cell_execute=on_start,
        on_cell_executed=on_done,
    )
    code = 0
    try:
        client.execute()
    except CellExecutionError as error:
        print(str(error)[:4000], file=sys.stderr)
        code = 1
    nbformat.write(nb, target)
    sys.exit(code)


if __name__ == "__main__":
    main()
