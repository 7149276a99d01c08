"""``successhub license public-key`` and ``successhub license verify FILE``.

``verify`` exits 0 when the file is a license signed by a trusted key, 1 when the signature or the
content is wrong, 2 when the file cannot be read or parsed; it prints one line saying why.
"""

from __future__ import annotations

import json
import sys

from successhub.cli import setup_django


def register(subparsers) -> None:
    parser = subparsers.add_parser("license", help="signed license files: the public key, verification")
    sub = parser.add_subparsers(dest="license_command", metavar="ACTION", required=True)
    public = sub.add_parser("public-key", help="print the license-signing public key (PEM)")
    public.set_defaults(handler=public_key_command)
    verify = sub.add_parser("verify", help="verify a license file (exit 0 valid, 1 invalid, 2 unreadable)")
    verify.add_argument("file", metavar="FILE")
    verify.set_defaults(handler=verify_command)


def public_key_command(args) -> int:
    setup_django()
    from successhub.core.licensing import key_id, public_pem
    from successhub.updates.keys import KeyUnavailable, signing_key

    try:
        public = signing_key().public_key()
    except KeyUnavailable as exc:
        print(f"successhub: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(public_pem(public))
    sys.stdout.flush()
    print(f"key id: {key_id(public)}", file=sys.stderr)
    return 0


def verify_command(args) -> int:
    try:
        with open(args.file, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        print(f"{args.file}: unreadable: {exc.strerror}")
        return 2
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"{args.file}: unreadable: not UTF-8 JSON ({exc})")
        return 2
    setup_django()
    from successhub.updates.keys import KeyUnavailable
    from successhub.updates.services import verify_document

    try:
        verdict = verify_document(document)
    except KeyUnavailable as exc:
        print(f"{args.file}: cannot verify: {exc}")
        return 2
    if not verdict.valid:
        print(f"{args.file}: INVALID: {verdict.message}")
        return 1
    lic = verdict.license
    product = lic["product"]["code"] if isinstance(lic.get("product"), dict) else lic.get("product")
    print(
        f"{args.file}: valid: license {lic['number']} for {product} {lic['version']}, key {document['key_id']}"
    )
    return 0
