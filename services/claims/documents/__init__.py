"""Claim documents (报销材料): which kinds a claim needs, checking and cleaning uploads, storage.

``kinds`` is pure data; ``processing`` turns untrusted upload bytes into a clean document or a
``DocumentRejected`` with an HTTP status; ``storage`` keeps the cleaned bytes by content address.
"""
