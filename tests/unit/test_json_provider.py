"""Answers are written by orjson, and say exactly what Flask's own provider would have said."""

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider

from app.common.json_provider import OrjsonProvider


@dataclasses.dataclass
class Point:
    x: int
    y: Decimal


VALUES = [
    {"price": Decimal("12.50"), "at": dt.datetime(2026, 12, 5, 7, 30), "day": dt.date(2026, 12, 5)},
    {"id": uuid.UUID(int=7), "point": Point(1, Decimal("0.10")), "text": "Dépôt 📦", "none": None},
    {"big": 2**70, "small": -(2**63)},  # past 64 bits: orjson refuses, the standard library writes it
    {1: "an integer key"},  # not a string: likewise
    {"lone": "a\ud800b"},  # a lone surrogate: likewise
    [1.5, True, [], {}],
]


@pytest.fixture(params=[False, True], ids=["compact", "debug"])
def apps(request):
    def app(provider):
        flask_app = Flask(__name__)
        flask_app.debug = request.param
        flask_app.json = provider(flask_app)
        flask_app.json.sort_keys = False
        return flask_app

    return app(OrjsonProvider), app(DefaultJSONProvider)


@pytest.mark.parametrize("value", VALUES)
def test_an_answer_says_what_flasks_own_provider_says(apps, value):
    ours, flasks = apps
    with ours.app_context():
        mine = jsonify(value)
        dumped = ours.json.dumps(value)
    with flasks.app_context():
        theirs = jsonify(value)
        expected = flasks.json.dumps(value)
    assert json.loads(mine.get_data()) == json.loads(theirs.get_data())
    assert json.loads(dumped) == json.loads(expected)
    assert (mine.mimetype, mine.get_data().endswith(b"\n")) == (theirs.mimetype, True)


def test_keys_keep_their_order_and_text_is_utf8(apps):
    ours, _flasks = apps
    with ours.app_context():
        body = jsonify({"b": 1, "a": "é"}).get_data()
    assert list(json.loads(body)) == ["b", "a"]
    if not ours.debug:
        assert body == '{"b":1,"a":"é"}\n'.encode()


def test_a_value_no_provider_can_write_is_a_type_error(apps):
    ours, _flasks = apps
    with ours.app_context(), pytest.raises(TypeError):
        jsonify({"set": {1, 2}})
