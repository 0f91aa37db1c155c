"""One console wrapper: people get colour and spinners on stderr, data goes to stdout.

When stdout is not a terminal nothing decorative is printed there; with
``--output json`` stdout carries exactly one JSON document.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any


class Terminal:
    def __init__(self, output: str = "text", verbose: bool = False, quiet: bool = False) -> None:
        from rich.console import Console

        self.output = output
        self.verbose = verbose
        self.quiet = quiet
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)
        self.out = Console(highlight=False, soft_wrap=True)

    @property
    def json(self) -> bool:
        return self.output == "json"

    @property
    def interactive(self) -> bool:
        return self.err.is_terminal

    # -- people (stderr) ------------------------------------------------------
    def info(self, message: str) -> None:
        if not self.quiet:
            self.err.print(message)

    def debug(self, message: str) -> None:
        if self.verbose:
            self.err.print(f"[dim]{message}[/dim]")

    def warn(self, message: str) -> None:
        self.err.print(f"[yellow]warning:[/yellow] {message}")

    def error(self, message: str) -> None:
        self.err.print(f"[bold red]error:[/bold red] {message}", markup=True)

    @contextlib.contextmanager
    def status(self, message: str) -> Iterator[Any]:
        """A spinner on stderr while waiting, only when stderr is a terminal.

        Yields something with ``update(text)`` (a no-op without a spinner).
        """
        if self.interactive and not self.quiet:
            with self.err.status(message) as spinner:
                yield spinner
        else:
            yield _NoStatus()

    def step(self, symbol: str, message: str, style: str = "green") -> None:
        if not self.quiet:
            self.err.print(f"[{style}]{symbol}[/{style}] {message}")

    # -- data (stdout) --------------------------------------------------------
    def print_json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        sys.stdout.flush()

    def write(self, text: str) -> None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """A summary table on stdout; plain tab-separated lines when stdout is a pipe."""
        if not self.out.is_terminal:
            for row in rows:
                self.write("\t".join("" if c is None else str(c) for c in row))
            return
        from rich.table import Table

        table = Table(title=title, title_justify="left", header_style="bold")
        for col in columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*("" if c is None else str(c) for c in row))
        self.out.print(table)


class _NoStatus:
    def update(self, *_: Any, **__: Any) -> None:
        pass


def escape(text: str) -> str:
    from rich.markup import escape as _escape

    return _escape(text)
