"""The kinds of value a request field holds (the services declare their fields with these;
``functions.http.parse_body`` checks them). No dependencies: services import it freely."""
from __future__ import annotations

from typing import Mapping

TEXT = "text"   # one string
LIST = "list"   # a list of strings (checkboxes); in JSON one string is not a list
FLAG = "flag"   # a JSON boolean, or a form checkbox ("on", "true", "1"; absent = false)
INTEGER = "integer"  # a JSON integer (not a boolean), or a form field of digits
Fields = Mapping[str, str]
