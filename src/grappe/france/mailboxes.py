"""Personal mailbox providers: an address there says nothing about the organisation that gives it.

One list for the import (``contact.is_webmail``) and the linkage engine, which compares mail domains only
outside it (``grappe.linkage.normalise``).
"""

from __future__ import annotations

WEBMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.fr", "yahoo.com", "ymail.com", "hotmail.fr", "hotmail.com",
        "outlook.fr", "outlook.com", "live.fr", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
        "aol.com", "aol.fr", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "club-internet.fr",
        "cegetel.net", "noos.fr", "numericable.fr", "bbox.fr", "laposte.net", "gmx.fr", "gmx.com", "gmx.net",
        "proton.me", "protonmail.com", "tutanota.com", "mailo.com", "netcourrier.com", "aliceadsl.fr",
        "voila.fr", "caramail.com", "yandex.com", "mail.com", "libertysurf.fr", "tiscali.fr", "9online.fr",
    }
)  # fmt: skip
