"""SHA-256 digests of secrets and keys: what is stored or compared instead of the value itself."""

import hashlib


def sha256_hex(text: str) -> str:
    # surrogatepass: a header or key is hashed whatever code points it holds, never refused here.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
