"""The per-user settings the API accepts: the keys and models of `users/preferences.py`.

`communication_styles` (v2.3.0's `{default, styles: {name: {...}}}`, or this project's earlier
`{name: {...}}`), `contacts` (`style_overrides`, `domain_overrides`, `language_overrides`,
`blacklist`), `sign_off_name` and `default_language`. Values are checked strictly (an unknown
key inside a value is a 422) and stored in v2.3.0's shape. Any other setting key is refused.
"""

from __future__ import annotations

from gmail_assistant.users.preferences import (
    EMAIL_RE,
    KNOWN_SETTINGS,
    CommunicationStyles,
    Contacts,
    validate_setting,
)

__all__ = ["EMAIL_RE", "KNOWN_SETTINGS", "CommunicationStyles", "Contacts", "validate_setting"]
