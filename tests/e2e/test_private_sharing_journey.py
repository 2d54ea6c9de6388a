"""What two browsers do with an end-to-end encrypted journal, over HTTP on the local stack,
with real key material (tests/browser_crypto.py does what the web client's WebCrypto does).

A sets up keys and writes an encrypted entry; finds B by email; shares the entry with the
content key re-wrapped for B. B, on a new device, unlocks with the password, finds the entry in
the shared list, opens it and decrypts it. A edits (a new content key), so B's key is stale
until A shares again. A revokes: B gets 404. C, a third person, never sees any of it. The
server only ever stores and returns the strings it was given.
"""

import pytest
from cryptography.exceptions import InvalidTag

from tests.browser_crypto import Browser
from tests.helpers import assert_envelope

PASSWORDS = {"a": "a master password, not the login one", "b": "b's own long phrase here"}


@pytest.fixture(scope="module")
def people(api):
    accounts = {}
    for name in ("a", "b", "c"):
        email, login = api.new_account()
        accounts[name] = {
            "email": email,
            "token": login["accessToken"],
            "id": login["user"]["userId"],
        }
    return accounts


def _set_up(api, person, password):
    browser = Browser.set_up(password)
    assert (
        api.call("GET", f"/encryption/check/{person['id']}", person["token"]).json()[
            "hasEncryption"
        ]
        is False
    )
    created = api.call("POST", "/encryption/setup", person["token"], json=browser.setup_body())
    assert created.status_code == 201, created.text
    assert created.json()["publicKeyId"] == browser.public_key_id
    return browser


def _shared_with_me(api, person):
    listed = api.call("GET", "/journal?filter=shared-with-me&limit=50", person["token"])
    assert listed.status_code == 200, listed.text
    return listed.json()["entries"]


def test_two_browsers_share_an_encrypted_entry(api, people):
    a, b, c = people["a"], people["b"], people["c"]
    a_browser = _set_up(api, a, PASSWORDS["a"])
    _set_up(api, b, PASSWORDS["b"])

    # Setting up again never overwrites: the first keys stay, byte for byte.
    again = api.call(
        "POST", "/encryption/setup", a["token"], json=Browser.set_up("x" * 12).setup_body()
    )
    assert_envelope(again.json(), 409)
    own = api.call("GET", f"/encryption/user/{a['id']}", a["token"]).json()
    assert {name: own[name] for name in a_browser.setup_body()} == a_browser.setup_body()
    profile = api.call("GET", "/users/profile", a["token"]).json()
    assert profile["encryptionEnabled"] is True
    assert profile["encryptionKeyId"] == a_browser.public_key_id

    # A writes an encrypted entry, as the editor sends it.
    secret = "<p>I told nobody about <b>this</b>.</p>"
    entry = api.call(
        "POST",
        "/journal",
        a["token"],
        json={
            "title": "For B",
            "isEncrypted": True,
            "wordCount": 5,
            **a_browser.encrypt_entry(secret),
        },
    ).json()
    entry_id = entry["entryId"]

    # The share dialog: find B, read A's own wrapped key, read B's public key, re-wrap, share.
    found = api.call("GET", f"/users/by-email/{b['email'].upper()}", a["token"])
    assert found.status_code == 200, found.text
    assert found.json()["userId"] == b["id"]
    owner_view = api.call("GET", f"/journal/{entry_id}", a["token"]).json()
    b_public = api.call("GET", f"/encryption/user/{b['id']}", a["token"]).json()
    assert set(b_public) >= {"publicKey", "publicKeyId"}
    assert "salt" not in b_public
    assert "encryptedPrivateKey" not in b_public
    share = api.call(
        "POST",
        "/shares",
        a["token"],
        json={
            "itemType": "journal",
            "itemId": entry_id,
            "recipientId": b["id"],
            "encryptedKey": a_browser.rewrap_for(owner_view["encryptedKey"], b_public["publicKey"]),
            "expiresInHours": 24,
            "permissions": ["read", "write"],
        },
    )
    assert share.status_code == 201, share.text
    share_id = share.json()["shareId"]

    # B on a new device: unlock with the password from what the server keeps.
    b_keys = api.call("GET", f"/encryption/user/{b['id']}", b["token"]).json()
    b_browser = Browser.unlock(PASSWORDS["b"], b_keys)
    [wrapper] = _shared_with_me(api, b)
    assert wrapper["isIncoming"] is True
    assert wrapper["entry"]["entryId"] == entry_id
    assert wrapper["shareInfo"]["permissions"] == ["read"]
    opened = api.call("GET", f"/journal/{entry_id}", b["token"])
    assert opened.status_code == 200, opened.text
    shown = opened.json()
    assert b_browser.decrypt_entry(shown) == secret
    assert shown["userId"] == a["id"]
    assert shown["shareAccess"]["shareId"] == share_id
    assert shown["sharedWith"] == []  # never the other recipients
    assert shown["encryptedKey"] != owner_view["encryptedKey"]
    # B reads, never writes.
    assert (
        api.call("PUT", f"/journal/{entry_id}", b["token"], json={"title": "mine"}).status_code
        == 404
    )
    assert api.call("DELETE", f"/journal/{entry_id}", b["token"]).status_code == 404

    # A edits: a new content key. B's copy of the old one no longer opens it...
    edited_secret = "<p>I told nobody about <b>this</b>, and then more.</p>"
    current = api.call("GET", f"/journal/{entry_id}", a["token"])
    edited = api.call(
        "PUT",
        f"/journal/{entry_id}",
        a["token"],
        json={"wordCount": 8, **a_browser.encrypt_entry(edited_secret)},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.text
    stale = api.call("GET", f"/journal/{entry_id}", b["token"]).json()
    with pytest.raises(InvalidTag):
        b_browser.decrypt_entry(stale)
    listed_by_a = api.call("GET", f"/shares?itemType=journal&itemId={entry_id}", a["token"]).json()
    assert [row["needsReshare"] for row in listed_by_a["shares"]] == [True]
    # ...until A shares again, which replaces the share.
    reshared = api.call(
        "POST",
        "/shares",
        a["token"],
        json={
            "itemType": "journal",
            "itemId": entry_id,
            "recipientId": b["id"],
            "encryptedKey": a_browser.rewrap_for(
                edited.json()["encryptedKey"], b_public["publicKey"]
            ),
            "permissions": ["read"],
        },
    )
    assert reshared.status_code == 201, reshared.text
    assert b_browser.decrypt_entry(api.call("GET", f"/journal/{entry_id}", b["token"]).json()) == (
        edited_secret
    )
    listed_by_b = api.call("GET", "/shares?direction=received", b["token"]).json()
    assert [row["id"] for row in listed_by_b["shares"]] == [reshared.json()["shareId"]]
    assert "encryptedKey" not in listed_by_b["shares"][0]

    # C never sees anything: not the entry, not the share, not A's private key material.
    assert api.call("GET", f"/journal/{entry_id}", c["token"]).status_code == 404
    assert _shared_with_me(api, c) == []
    assert (
        api.call("DELETE", f"/shares/{reshared.json()['shareId']}", c["token"]).status_code == 404
    )
    seen_by_c = api.call("GET", f"/encryption/user/{a['id']}", c["token"]).json()
    assert "encryptedPrivateKey" not in seen_by_c
    assert "salt" not in seen_by_c

    # A revokes: B gets 404 at once, and the share is gone from both lists.
    revoked = api.call("DELETE", f"/shares/{reshared.json()['shareId']}", a["token"])
    assert revoked.status_code == 204
    assert_envelope(api.call("GET", f"/journal/{entry_id}", b["token"]).json(), 404)
    assert _shared_with_me(api, b) == []
    assert api.call("GET", "/shares", a["token"]).json()["shares"] == []
    assert api.call("GET", f"/journal/{entry_id}", a["token"]).json()["sharedWith"] == []


def test_keys_deleted_and_set_up_again(api):
    _, login = api.new_account()
    token, user_id = login["accessToken"], login["user"]["userId"]
    first = Browser.set_up("the first long password")
    assert api.call("POST", "/encryption/setup", token, json=first.setup_body()).status_code == 201
    assert api.call("DELETE", "/encryption/keys", token).status_code == 200
    profile = api.call("GET", "/users/profile", token).json()
    assert (profile["encryptionEnabled"], profile["encryptionKeyId"]) == (False, None)
    assert api.call("GET", f"/encryption/user/{user_id}", token).json() == {
        "userId": user_id,
        "hasEncryption": False,
    }
    second = Browser.set_up("the second long password")
    assert api.call("POST", "/encryption/setup", token, json=second.setup_body()).status_code == 201
    keys = api.call("GET", f"/encryption/user/{user_id}", token).json()
    assert keys["publicKeyId"] == second.public_key_id
    assert Browser.unlock("the second long password", keys).public_key == second.public_key
