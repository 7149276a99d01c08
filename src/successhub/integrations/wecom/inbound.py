"""企业微信 app callback: ``msg_signature`` over the token, timestamp, nonce and the encrypted text;
the body is AES-256-CBC encrypted with the app's EncodingAESKey.

- URL check: ``GET ?msg_signature&timestamp&nonce&echostr``; answer the decrypted ``echostr``.
- Messages: ``POST ?msg_signature&timestamp&nonce`` with ``<xml><Encrypt>…</Encrypt></xml>``.
- Signature: hex SHA-1 of the four strings (token, timestamp, nonce, encrypted) sorted and joined.
- Decryption: key = base64(EncodingAESKey + "="), IV = the key's first 16 bytes, PKCS#7 padding to
  32-byte blocks; the plaintext is 16 random bytes, a 4-byte big-endian length, the message XML
  and the receiver id (the CorpID), which must be ours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from successhub.integrations.base import Handshake, InboundMessage, InboundRejected, InboundRequest

BLOCK = 32
WINDOW_SECONDS = 300


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must be 43 characters")
    return key


def encrypt(plain_xml: str, encoding_aes_key: str, receiver_id: str, random16: bytes) -> str:
    """What WeCom does (used by the stand-in): base64(AES-CBC(random + len + msg + receiver id))."""
    key = aes_key(encoding_aes_key)
    message = plain_xml.encode()
    raw = random16 + struct.pack(">I", len(message)) + message + receiver_id.encode()
    pad = BLOCK - len(raw) % BLOCK
    raw += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode()


def decrypt(encrypted: str, encoding_aes_key: str, receiver_id: str) -> str:
    try:
        key = aes_key(encoding_aes_key)
        data = base64.b64decode(encrypted, validate=True)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        raw = decryptor.update(data) + decryptor.finalize()
        pad = raw[-1]
        if not 1 <= pad <= BLOCK or raw[-pad:] != bytes([pad]) * pad:
            raise ValueError("bad padding")
        raw = raw[:-pad]
        (length,) = struct.unpack(">I", raw[16:20])
        message, receiver = raw[20 : 20 + length], raw[20 + length :]
    except (ValueError, struct.error, IndexError):
        raise InboundRejected("undecryptable", "the encrypted body cannot be decrypted", 400) from None
    if not hmac.compare_digest(receiver, receiver_id.encode()):
        raise InboundRejected("wrong_receiver", "the message is for another corp", 403)
    return message.decode(errors="replace")


def _xml(text: str | bytes) -> ET.Element:
    raw = text.encode() if isinstance(text, str) else text
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise InboundRejected("malformed", "XML with a DOCTYPE is refused", 400)
    try:
        return ET.fromstring(raw)
    except ET.ParseError:
        raise InboundRejected("malformed", "the body is not XML", 400) from None


def verify(request: InboundRequest, credentials: dict, now_s: int) -> InboundMessage | Handshake:
    token = credentials.get("token", "")
    encoding_aes_key = credentials.get("encoding_aes_key", "")
    corp_id = credentials.get("corp_id", "")
    if not (token and encoding_aes_key and corp_id):
        raise InboundRejected("not_configured", "the group has no WeCom callback keys", 409)
    query = request.query
    given, timestamp, nonce = (
        query.get("msg_signature", ""),
        query.get("timestamp", ""),
        query.get("nonce", ""),
    )
    if not (given and timestamp.isdigit() and nonce):
        raise InboundRejected("bad_signature", "msg_signature, timestamp and nonce are required", 403)
    if abs(now_s - int(timestamp)) > WINDOW_SECONDS:
        raise InboundRejected("stale", "the timestamp is outside the accepted window", 403)
    if request.method == "GET":
        echostr = query.get("echostr", "")
        if not hmac.compare_digest(signature(token, timestamp, nonce, echostr), given):
            raise InboundRejected("bad_signature", "msg_signature does not match", 403)
        return Handshake(decrypt(echostr, encoding_aes_key, corp_id))
    envelope = _xml(request.body)
    encrypted = envelope.findtext("Encrypt") or ""
    if not hmac.compare_digest(signature(token, timestamp, nonce, encrypted), given):
        raise InboundRejected("bad_signature", "msg_signature does not match", 403)
    message = _xml(decrypt(encrypted, encoding_aes_key, corp_id))
    if (message.findtext("MsgType") or "") != "text":
        raise InboundRejected("unsupported", "only text messages are taken", 202)
    create_time = message.findtext("CreateTime") or ""
    return InboundMessage(
        message_id=message.findtext("MsgId") or "",
        sender_id=message.findtext("FromUserName") or "",
        sender_name=message.findtext("FromUserName") or "",
        text=message.findtext("Content") or "",
        sent_at_ms=int(create_time) * 1000 if create_time.isdigit() else None,
    )
