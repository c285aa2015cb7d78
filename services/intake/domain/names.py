"""Names as a coordinator searches them: no case, no accents, any word of the name as a start."""
from __future__ import annotations

import unicodedata


def folded(text: str) -> str:
    """'  Zoë   Van der BERG ' -> 'zoe van der berg'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def search_keys(first_name: str, last_name: str) -> list[str]:
    """The name from each of its words on: a prefix of any of them finds the person.

    'Amina Haddad' -> ['amina haddad', 'haddad'], so 'ami', 'amina h' and 'hadd' all match.
    """
    words = folded(f"{first_name} {last_name}").split()
    return [" ".join(words[i:]) for i in range(len(words))]
