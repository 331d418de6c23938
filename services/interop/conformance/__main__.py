"""python -m services.interop.conformance --target URL --key-id ID --private-key FILE
   --target-public-key FILE --sender 33 --receiver 11 --donor-cert ID --donor-name NAME --stranger-cert ID

Plays a partner platform against the target's /interop/v1 (usually its gateway) and prints one
line per check, then `N passed, N failed`; exits 1 if any check failed. The key must be
registered at the target for a partner serving the sender province; the donor must be one of
the target's donors with a donation before --used-on."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import httpx

from kit import clock
from services.interop.conformance.checks import run
from services.interop.conformance.signer import PartnerSigner


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.interop.conformance",
                                     description="血费减免 partner API conformance kit")
    parser.add_argument("--target", required=True, help="the platform's public base URL (its gateway)")
    parser.add_argument("--key-id", required=True, help="your keyid, as registered at the target")
    parser.add_argument("--private-key", required=True, type=Path, help="your Ed25519 private key (PEM file)")
    parser.add_argument("--target-public-key", required=True, type=Path,
                        help="the target's active Ed25519 public key (PEM file), to verify its replies")
    parser.add_argument("--sender", required=True, help="your province code (GB/T 2260), e.g. 33")
    parser.add_argument("--receiver", required=True, help="a province the target serves, e.g. 11")
    parser.add_argument("--donor-cert", required=True, help="resident ID of one of the target's donors")
    parser.add_argument("--donor-name", default="张三")
    parser.add_argument("--stranger-cert", required=True, help="a valid resident ID the target does not know")
    parser.add_argument("--used-on", default=None, help="date of the blood use (default: 30 days ago)")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> int:
    signer = PartnerSigner(base_url=args.target, key_id=args.key_id, private_pem=args.private_key.read_text(),
                           sender_province=args.sender, receiver_province=args.receiver,
                           target_public_pem=args.target_public_key.read_text())
    case = {"donor_cert": args.donor_cert, "donor_name": args.donor_name, "stranger_cert": args.stranger_cert,
            "sender": args.sender, "used_on": args.used_on or (clock.today() - timedelta(days=30)).isoformat()}
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        results = await run(signer, client, case)
    for r in results:
        print(("PASS " if r.passed else "FAIL ") + r.name + ("" if r.passed else f": {r.detail}"))
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
