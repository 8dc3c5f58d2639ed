"""The ``nestflow`` command line: typer commands, terminal output, and the sandbox demo.

Sits on top of the Prefect layers (flows -> tasks -> blocks -> nestflow); nothing below imports it.
"""
