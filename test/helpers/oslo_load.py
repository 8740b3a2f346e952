#!/usr/bin/python3
"""Reads an OpenStack config file the way the services do: with oslo.config (Debian's
python3-oslo.config), after registering the given options with their real types.

stdin: {"file": PATH, "options": [{"group": G, "name": N, "type": "str"|"int"|"bool"|"list"|"multidict",
        "choices": [...]?, "min": n?}], "sections": [S, ...]}
stdout: {"values": {G: {N: value}}, "keys": {S: [every key oslo's parser finds in section S]}}
A value that does not parse as its type fails here, as it would fail the service at start.
"multidict" is a MultiOpt of dicts, as Cinder registers replication_device (cinder/volume/driver.py).
"""
import json
import sys

from oslo_config import cfg, types


def multidict(name, **kwargs):
    return cfg.MultiOpt(name, item_type=types.Dict(), **kwargs)


TYPES = {"str": cfg.StrOpt, "int": cfg.IntOpt, "bool": cfg.BoolOpt, "list": cfg.ListOpt, "multidict": multidict}


def main():
    spec = json.load(sys.stdin)
    conf = cfg.ConfigOpts()
    for opt in spec["options"]:
        kwargs = {}
        if "choices" in opt:
            kwargs["choices"] = opt["choices"]
        if "min" in opt:
            kwargs["min"] = opt["min"]
        group = None if opt["group"] == "DEFAULT" else opt["group"]
        conf.register_opt(TYPES[opt["type"]](opt["name"], **kwargs), group=group)
    conf(args=[], project="check", default_config_files=[spec["file"]], validate_default_values=True)
    values = {}
    for opt in spec["options"]:
        node = conf if opt["group"] == "DEFAULT" else conf[opt["group"]]
        value = node[opt["name"]]
        values.setdefault(opt["group"], {})[opt["name"]] = list(value) if isinstance(value, (list, tuple)) else value
    # oslo's own INI parser, for the keys actually present (managed or not).
    sections = {}
    cfg.ConfigParser(spec["file"], sections).parse()
    keys = {s: sorted(sections.get(s, {}).keys()) for s in spec.get("sections", [])}
    json.dump({"values": values, "keys": keys}, sys.stdout)


if __name__ == "__main__":
    main()
