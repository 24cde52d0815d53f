"""Discord's documented limits on what a bot sends, checked the way Discord answers: 400, code 50035."""

from __future__ import annotations

import re
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
ALLOWED_MENTION_IDS_MAX = 100
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
MENU_NAME = re.compile(r"^[-_ '\w]{1,32}$")  # user and message commands: mixed case and spaces allowed
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25


def invalid_form_body(errors: dict) -> dict:
    """The body of Discord's 400 for a payload that breaks a limit."""
    return {"message": "Invalid Form Body", "code": 50035, "errors": errors}


def _err(code: str, message: str) -> dict:
    return {"_errors": [{"code": code, "message": message}]}


def _too_long(n: int) -> dict:
    return _err("BASE_TYPE_MAX_LENGTH", f"Must be {n} or fewer in length.")


def _required() -> dict:
    return _err("BASE_TYPE_REQUIRED", "This field is required")


def _put(tree: dict, path: tuple, leaf: dict) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(str(key), {})
    tree.setdefault(str(path[-1]), {}).setdefault("_errors", []).extend(leaf["_errors"])


def _text_len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def embed_size(embed: dict) -> int:
    """The characters of an embed that count towards the 6000 limit."""
    n = _text_len(embed.get("title")) + _text_len(embed.get("description"))
    n += _text_len((embed.get("footer") or {}).get("text"))
    n += _text_len((embed.get("author") or {}).get("name"))
    for f in embed.get("fields") or []:
        n += _text_len(f.get("name")) + _text_len(f.get("value"))
    return n


def _check_embed(embed: Any, path: tuple, errors: dict) -> None:
    if not isinstance(embed, dict):
        _put(errors, path, _err("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
        return
    for key, limit in (("title", EMBED_TITLE_MAX), ("description", EMBED_DESCRIPTION_MAX)):
        if _text_len(embed.get(key)) > limit:
            _put(errors, (*path, key), _too_long(limit))
    if _text_len((embed.get("footer") or {}).get("text")) > EMBED_FOOTER_MAX:
        _put(errors, (*path, "footer", "text"), _too_long(EMBED_FOOTER_MAX))
    if _text_len((embed.get("author") or {}).get("name")) > EMBED_AUTHOR_MAX:
        _put(errors, (*path, "author", "name"), _too_long(EMBED_AUTHOR_MAX))
    color = embed.get("color")
    if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
        _put(errors, (*path, "color"), _err("NUMBER_TYPE_MAX", "int value should be <= 16777215 and >= 0."))
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS_MAX:
        _put(errors, (*path, "fields"), _too_long(EMBED_FIELDS_MAX))
    for i, f in enumerate(fields):
        for key, limit in (("name", EMBED_FIELD_NAME_MAX), ("value", EMBED_FIELD_VALUE_MAX)):
            v = f.get(key)
            if not isinstance(v, str) or not v.strip():
                _put(errors, (*path, "fields", i, key), _required())
            elif len(v) > limit:
                _put(errors, (*path, "fields", i, key), _too_long(limit))


def _check_components(rows: Any, errors: dict) -> None:
    if not isinstance(rows, list):
        return
    if len(rows) > ACTION_ROWS_MAX:
        _put(errors, ("components",), _too_long(ACTION_ROWS_MAX))
    seen: set[str] = set()
    for r, row in enumerate(rows):
        if row.get("type") != 1:
            continue  # components v2 layouts are not used by docbot; their rules are not modelled
        children = row.get("components") or []
        buttons = [c for c in children if c.get("type") == 2]
        mixed = len(children) > 1 and len(buttons) != len(children)  # a select menu fills its row alone
        if not children or len(children) > ROW_BUTTONS_MAX or mixed:
            _put(errors, ("components", r, "components"),
                 _err("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {ROW_BUTTONS_MAX} in length."))
        for c, comp in enumerate(children):
            where = ("components", r, "components", c)
            custom_id = comp.get("custom_id")
            is_link = comp.get("type") == 2 and comp.get("style") in (5, 6)
            if comp.get("type") == 2 and comp.get("style") == 5:
                if not comp.get("url"):
                    _put(errors, (*where, "url"), _required())
            elif not is_link:
                if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
                    _put(errors, (*where, "custom_id"),
                         _err("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {CUSTOM_ID_MAX} in length."))
                elif custom_id in seen:
                    _put(errors, (*where, "custom_id"),
                         _err("COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"))
                else:
                    seen.add(custom_id)
            if _text_len(comp.get("label")) > BUTTON_LABEL_MAX:
                _put(errors, (*where, "label"), _too_long(BUTTON_LABEL_MAX))
            if comp.get("type") == 3 and len(comp.get("options") or []) > SELECT_OPTIONS_MAX:
                _put(errors, (*where, "options"), _too_long(SELECT_OPTIONS_MAX))


def _check_allowed_mentions(am: Any, errors: dict) -> None:
    if am is None:
        return
    if not isinstance(am, dict):
        _put(errors, ("allowed_mentions",),
             _err("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
        return
    parse = am.get("parse", [])
    for p in parse:
        if p not in ("users", "roles", "everyone"):
            _put(errors, ("allowed_mentions", "parse"),
                 _err("BASE_TYPE_CHOICES", "Value must be one of {'users', 'roles', 'everyone'}."))
    for kind in ("users", "roles"):
        ids = am.get(kind)
        if ids and kind in parse:
            _put(errors, ("allowed_mentions",), _err(
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.'))
        if ids and len(ids) > ALLOWED_MENTION_IDS_MAX:
            _put(errors, ("allowed_mentions", kind), _too_long(ALLOWED_MENTION_IDS_MAX))


def message_errors(payload: dict) -> dict:
    """The 50035 error tree for a message payload (create or edit); empty when Discord would accept it."""
    errors: dict = {}
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        _put(errors, ("content",), _err("BASE_TYPE_STRING", "Must be a string."))
    elif content is not None and len(content) > CONTENT_MAX:
        _put(errors, ("content",), _too_long(CONTENT_MAX))
    embeds = payload.get("embeds")
    if embeds is not None:
        if len(embeds) > EMBEDS_MAX:
            _put(errors, ("embeds",), _too_long(EMBEDS_MAX))
        for i, e in enumerate(embeds):
            _check_embed(e, ("embeds", i), errors)
        if sum(embed_size(e) for e in embeds if isinstance(e, dict)) > EMBED_TOTAL_MAX:
            _put(errors, ("embeds",), _err("MAX_EMBED_SIZE_EXCEEDED",
                                           f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"))
    _check_components(payload.get("components"), errors)
    _check_allowed_mentions(payload.get("allowed_mentions"), errors)
    return errors


def is_empty(message: dict) -> bool:
    """Whether a message would have nothing to show (Discord's 50006)."""
    return not (message.get("content") or message.get("embeds") or message.get("components")
                or message.get("attachments") or message.get("sticker_ids") or message.get("poll"))


def command_errors(commands: Any) -> dict:
    """The 50035 error tree for a bulk overwrite of application commands."""
    errors: dict = {}
    if not isinstance(commands, list):
        return _err("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    names: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        ctype = cmd.get("type", 1)
        name = cmd.get("name")
        pattern = COMMAND_NAME if ctype == 1 else MENU_NAME
        if not isinstance(name, str) or not pattern.match(name) or (ctype == 1 and name != name.lower()):
            _put(errors, (i, "name"), _err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
        elif (ctype, name) in names:
            _put(errors, (i, "name"), _err("APPLICATION_COMMANDS_DUPLICATE_NAME",
                                           f"Application command names must be unique: {name}"))
        names.add((ctype, name or ""))
        desc = cmd.get("description", "")
        if ctype == 1 and not 1 <= len(desc) <= COMMAND_DESCRIPTION_MAX:
            _put(errors, (i, "description"),
                 _err("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {COMMAND_DESCRIPTION_MAX} in length."))
        elif ctype != 1 and (desc or cmd.get("options")):  # menus take no description nor options
            _put(errors, (i, "description" if desc else "options"),
                 _err("APPLICATION_COMMAND_INVALID", "Only chat input commands have a description or options"))
        options = cmd.get("options") or []
        if len(options) > COMMAND_OPTIONS_MAX:
            _put(errors, (i, "options"), _too_long(COMMAND_OPTIONS_MAX))
        optional_seen = False
        for j, opt in enumerate(options):
            oname = opt.get("name")
            if not isinstance(oname, str) or not COMMAND_NAME.match(oname) or oname != oname.lower():
                _put(errors, (i, "options", j, "name"),
                     _err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
            if not 1 <= len(opt.get("description", "")) <= COMMAND_DESCRIPTION_MAX:
                _put(errors, (i, "options", j, "description"), _err(
                    "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {COMMAND_DESCRIPTION_MAX} in length."))
            if opt.get("required"):
                if optional_seen:
                    _put(errors, (i, "options", j, "required"), _err(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options"))
            elif opt.get("type") not in (1, 2):
                optional_seen = True
            if len(opt.get("choices") or []) > 25:
                _put(errors, (i, "options", j, "choices"), _too_long(25))
    return errors


AUTOCOMPLETE_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100


def autocomplete_errors(data: dict) -> dict:
    """The 50035 error tree for an autocomplete result's data: at most 25 choices, names and values 1-100 long."""
    errors: dict = {}
    choices = data.get("choices")
    if not isinstance(choices, list):
        _put(errors, ("choices",), _required())
        return errors
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        _put(errors, ("choices",), _too_long(AUTOCOMPLETE_CHOICES_MAX))
    for i, c in enumerate(choices):
        name, value = c.get("name"), c.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_NAME_MAX:
            _put(errors, ("choices", i, "name"),
                 _err("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {CHOICE_NAME_MAX} in length."))
        if isinstance(value, str) and len(value) > CHOICE_VALUE_MAX:
            _put(errors, ("choices", i, "value"), _too_long(CHOICE_VALUE_MAX))
    return errors
