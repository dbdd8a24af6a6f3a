"""Imports of the report runner made lighter (imported first by the package)."""

import sys

# nbformat (imported by papermill and nbconvert) validates notebooks with jsonschema, whose
# format checkers import ``rfc3987_syntax`` eagerly: it compiles ~35 Lark grammars at import
# time, 1.7 s of every report command on this machine, for the ``iri`` formats that no
# notebook schema uses (python-jsonschema/jsonschema#1428). Without it, jsonschema simply does
# not check those two formats.
sys.modules.setdefault("rfc3987_syntax", None)
