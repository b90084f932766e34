"""The browser addresses of one-time links (invitations, password resets).

They use the configured public URL (RECIPROCA_PUBLIC_URL), else the address the request came
to; the pages that open them are `/invitations/<secret>` and `/password-reset/<secret>`. From
the command line without a public URL the path alone is given.
"""


def invitation_link(base_url: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}/invitations/{secret}"


def reset_link(base_url: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}/password-reset/{secret}"
