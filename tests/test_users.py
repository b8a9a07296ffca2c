"""Users file: demo accounts on first use, bcrypt passwords, roles and grants, API tokens, clear errors."""

from __future__ import annotations

import stat

import pytest

from data import users


def test_missing_file_gets_the_documented_demo_accounts(tmp_path):
    path = tmp_path / "nested" / "users.toml"
    loaded = users.load_users(path)
    assert sorted(loaded) == ["admin", "analyst", "coffee", "outdoor", "petshop"]
    assert loaded["petshop"].role == "seller" and loaded["petshop"].sellers == ("petshop_kr",)
    assert loaded["analyst"].sellers == ("petshop_kr", "coffee_kr")
    text = path.read_text(encoding="utf-8")
    assert "petshop-demo" not in text and "$2b$" in text           # hashes only, never the password
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert users.uses_demo_accounts(loaded)


def test_authenticate_checks_the_password(tmp_path):
    path = tmp_path / "users.toml"
    users.load_users(path)
    assert users.authenticate("petshop", "petshop-demo", path).username == "petshop"
    assert users.authenticate(" petshop ", "petshop-demo", path).username == "petshop"
    assert users.authenticate("petshop", "petshop-demo ", path) is None
    assert users.authenticate("petshop", "coffee-demo", path) is None
    assert users.authenticate("nobody", "petshop-demo", path) is None


def test_grants_by_role():
    every = ["coffee_kr", "outdoor_us", "petshop_kr"]
    seller = users.User("a", "A", "seller", ("petshop_kr",))
    analyst = users.User("b", "B", "analyst", ("petshop_kr", "coffee_kr"))
    analyst_all = users.User("c", "C", "analyst", ("*",))
    admin = users.User("d", "D", "admin", ())
    assert seller.allowed(every) == ("petshop_kr",)
    assert analyst.allowed(every) == ("coffee_kr", "petshop_kr")
    assert analyst_all.allowed(every) == tuple(every) and admin.allowed(every) == tuple(every)
    assert seller.may_see("petshop_kr") and not seller.may_see("coffee_kr")


def test_round_trip_with_korean_names_and_a_token(tmp_path):
    path = tmp_path / "users.toml"
    token = users.new_api_token()
    record = {"kim": users.User("kim", "김 사장 \"멍냥\"", "seller", ("petshop_kr",), users.hash_password("long enough"),
                                users.token_digest(token))}
    users.save_users(record, path)
    loaded = users.load_users(path)
    assert loaded["kim"].name == "김 사장 \"멍냥\""
    assert users.user_for_token(token, path).username == "kim"
    assert users.user_for_token(token + "x", path) is None
    assert users.authenticate("kim", "long enough", path) is not None
    with pytest.raises(ValueError, match="at least 8"):
        users.hash_password("short")


def test_a_chosen_language_is_kept_through_edits_and_tokens(tmp_path):
    path = tmp_path / "users.toml"
    users.save_users({"kim": users.User("kim", "김", "seller", ("petshop_kr",), users.hash_password("long enough"))},
                     path)
    assert users.load_users(path)["kim"].language == ""                      # not chosen yet
    users.set_language("kim", "en", path)
    assert users.load_users(path)["kim"].language == "en"
    assert 'language = "en"' in path.read_text(encoding="utf-8")
    users.upsert_user("kim", name="김 사장", role="seller", sellers=["petshop_kr"], path=path)
    users.issue_api_token("kim", path)
    kept = users.load_users(path)["kim"]
    assert (kept.name, kept.language, users.authenticate("kim", "long enough", path) is not None) == \
        ("김 사장", "en", True)
    users.set_language("kim", "fr", path)                                     # not a UI language: ignored
    users.set_language("nobody", "ko", path)                                  # no such user: ignored
    assert users.load_users(path)["kim"].language == "en" and "nobody" not in users.load_users(path)
    path.write_text(path.read_text(encoding="utf-8").replace('language = "en"', 'language = "de"'), encoding="utf-8")
    assert users.load_users(path)["kim"].language == ""                      # an unknown value reads as not chosen


@pytest.mark.parametrize(("entry", "message"), [
    ('role = "owner"\nsellers = ["x"]\npassword_hash = "$2b$x"', "role must be one of"),
    ('role = "seller"\nsellers = ["a", "b"]\npassword_hash = "$2b$x"', "exactly one store"),
    ('role = "seller"\nsellers = ["*"]\npassword_hash = "$2b$x"', "exactly one store"),
    ('role = "analyst"\nsellers = "a"\npassword_hash = "$2b$x"', "list of seller ids"),
    ('role = "analyst"\nsellers = ["a"]\npassword_hash = "plain"', "bcrypt hash"),
])
def test_bad_entries_are_refused_naming_the_entry(tmp_path, entry, message):
    path = tmp_path / "users.toml"
    path.write_text(f"[users.kim]\n{entry}\n", encoding="utf-8")
    with pytest.raises(users.UsersFileError, match=message) as info:
        users.load_users(path)
    assert "[users.kim]" in str(info.value) and str(path) in str(info.value)


def test_not_toml_is_refused(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text("[users\n", encoding="utf-8")
    with pytest.raises(users.UsersFileError, match="not valid TOML"):
        users.load_users(path)
