#!/usr/bin/env python3
"""validate_json.py SCHEMA FILE: FILE is one JSON document that SCHEMA
(conf/schema/*.json) accepts. Exit 0 when it does, 1 with the reason."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
try:
    doc = json.load(open(sys.argv[2]))
except ValueError as e:
    print(f"not one JSON document: {e}")
    sys.exit(1)
try:
    jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)
except jsonschema.ValidationError as e:
    print(f"{sys.argv[2]}: {e.message} at {'/'.join(str(p) for p in e.absolute_path)}")
    sys.exit(1)
