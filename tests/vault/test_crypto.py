"""Envelope encryption: round trip, and ciphertexts that do not decrypt anywhere else."""

from __future__ import annotations

import os

import pytest

from sillok.vault import crypto


def test_a_field_decrypts_to_what_was_encrypted():
    key = crypto.new_data_key()
    nonce, ciphertext = crypto.encrypt_field(key, 7, "real_name", "김영희 Kim Young-hee")
    assert crypto.decrypt_field(key, 7, "real_name", nonce, ciphertext) == "김영희 Kim Young-hee"
    assert "김영희".encode() not in ciphertext and b"Kim" not in ciphertext


def test_every_encryption_uses_a_fresh_nonce():
    key = crypto.new_data_key()
    first = crypto.encrypt_field(key, 1, "contact", "+82-10-5555-0199")
    second = crypto.encrypt_field(key, 1, "contact", "+82-10-5555-0199")
    assert first[0] != second[0] and first[1] != second[1]


def test_a_ciphertext_moved_to_another_field_does_not_decrypt():
    key = crypto.new_data_key()
    nonce, ciphertext = crypto.encrypt_field(key, 1, "real_name", "Kim")
    with pytest.raises(crypto.VaultCryptoError, match="altered or moved"):
        crypto.decrypt_field(key, 1, "contact", nonce, ciphertext)


def test_a_ciphertext_moved_to_another_entry_does_not_decrypt_even_with_its_key():
    key = crypto.new_data_key()
    nonce, ciphertext = crypto.encrypt_field(key, 1, "real_name", "Kim")
    with pytest.raises(crypto.VaultCryptoError):
        crypto.decrypt_field(key, 2, "real_name", nonce, ciphertext)
    with pytest.raises(crypto.VaultCryptoError):
        crypto.decrypt_field(crypto.new_data_key(), 1, "real_name", nonce, ciphertext)


def test_a_flipped_bit_is_detected():
    key = crypto.new_data_key()
    nonce, ciphertext = crypto.encrypt_field(key, 1, "real_name", "Kim")
    tampered = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    with pytest.raises(crypto.VaultCryptoError):
        crypto.decrypt_field(key, 1, "real_name", nonce, tampered)


def test_a_data_key_unwraps_only_with_the_master_key_that_wrapped_it():
    master, other = os.urandom(32), os.urandom(32)
    data_key = crypto.new_data_key()
    wrapped = crypto.wrap_key(master, data_key)
    assert data_key not in wrapped
    assert crypto.unwrap_key(master, wrapped) == data_key
    with pytest.raises(crypto.VaultCryptoError, match="does not unwrap"):
        crypto.unwrap_key(other, wrapped)


def test_the_key_id_names_a_key_without_revealing_it():
    master = os.urandom(32)
    assert crypto.key_id(master) == crypto.key_id(master)
    assert crypto.key_id(master) != crypto.key_id(os.urandom(32))
    assert master.hex()[:16] not in crypto.key_id(master)
