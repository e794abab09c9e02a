"""Generators of fake but valid PII and secrets (checksums right), for leak and detector tests."""

from __future__ import annotations

import base64
import json
import random
import string

B62 = string.ascii_letters + string.digits


def luhn_complete(partial: str) -> str:
    """``partial`` plus the Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return partial + str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16)])
    digits = luhn_complete(prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1)))
    style = rng.choice(["plain", "space", "dash"])
    if style == "plain" or length == 15:
        return digits
    sep = " " if style == "space" else "-"
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


# BBAN shapes: n digit, a capital letter, c either.
IBAN_SHAPES = {
    "DE": "n" * 18,
    "GB": "aaaa" + "n" * 14,
    "FR": "n" * 10 + "c" * 11 + "nn",
    "ES": "n" * 20,
    "IT": "a" + "n" * 10 + "c" * 12,
    "NL": "aaaa" + "n" * 10,
    "BE": "n" * 12,
    "CH": "n" * 5 + "c" * 12,
    "PL": "n" * 24,
    "SE": "n" * 20,
}


def iban(rng: random.Random, country: str | None = None) -> str:
    country = country or rng.choice(sorted(IBAN_SHAPES))
    pick = {"n": string.digits, "a": string.ascii_uppercase, "c": string.ascii_uppercase + string.digits}
    bban = "".join(rng.choice(pick[k]) for k in IBAN_SHAPES[country])
    number = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    compact = f"{country}{98 - number % 97:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


def email(rng: random.Random) -> str:
    first = rng.choice(["anna", "li", "jose", "mohammed", "olga", "priya", "tom", "zoe", "kwame", "ines"])
    last = rng.choice(["smith", "garcia", "chen", "kowalski", "okafor", "dubois", "tanaka", "rossi"])
    local = rng.choice([f"{first}.{last}", f"{first}{rng.randint(1, 999)}", f"{first}+{last}", f"{first}_{last}"])
    domain = rng.choice(["example.com", "mail.example.org", "corp.example.co.uk", "example.de", "uni.example.edu"])
    return f"{local}@{domain}"


def phone(rng: random.Random) -> str:
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    area = str(rng.randint(201, 989))
    return rng.choice(
        [
            f"+1 {area} {d(3)} {d(4)}",
            f"+1-{area}-{d(3)}-{d(4)}",
            f"({area}) {d(3)}-{d(4)}",
            f"{area}-{d(3)}-{d(4)}",
            f"{area}.{d(3)}.{d(4)}",
            f"+44 20 {d(4)} {d(4)}",
            f"+44 7{d(3)} {d(6)}",
            f"020 {d(4)} {d(4)}",
            f"+49 30 {d(7)}",
            f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}",
            f"+91 9{d(4)} {d(5)}",
            f"+81-3-{d(4)}-{d(4)}",
            f"+61 4{d(2)} {d(3)} {d(3)}",
        ]
    )


def ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    while first + second in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
        second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    digits = f"{rng.randint(0, 999999):06d}"
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{first}{second}{digits}{suffix}"


def ipv4(rng: random.Random) -> str:
    return f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    groups[0] = "2001"
    if rng.random() < 0.5:
        return ":".join(groups)
    return ":".join(groups[:3]) + "::" + ":".join(groups[6:])


def _b62(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(B62) for _ in range(n))


def api_key(rng: random.Random, kind: str | None = None) -> str:
    kinds = {
        "sk": lambda: "sk-" + _b62(rng, 48),
        "sk-proj": lambda: "sk-proj-" + _b62(rng, 56),
        "sk-ant": lambda: "sk-ant-api03-" + _b62(rng, 80),
        "ghp": lambda: "ghp_" + _b62(rng, 36),
        "github_pat": lambda: "github_pat_" + _b62(rng, 22) + "_" + _b62(rng, 59),
        "xoxb": lambda: f"xoxb-{rng.randint(10**9, 10**10)}-{rng.randint(10**9, 10**10)}-{_b62(rng, 24)}",
        "xoxp": lambda: f"xoxp-{rng.randint(10**9, 10**10)}-{_b62(rng, 32)}",
        "AKIA": lambda: "AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
        "AIza": lambda: "AIza" + _b62(rng, 35),
        "hf": lambda: "hf_" + _b62(rng, 34),
    }
    return kinds[kind or rng.choice(sorted(kinds))]()


API_KEY_KINDS = ("sk", "sk-proj", "sk-ant", "ghp", "github_pat", "xoxb", "xoxp", "AKIA", "AIza", "hf")


def jwt(rng: random.Random) -> str:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    header = b64({"alg": "HS256", "typ": "JWT"})
    payload = b64({"sub": str(rng.randint(1, 10**9)), "name": "x", "iat": rng.randint(10**9, 2 * 10**9)})
    return f"{header}.{payload}.{''.join(rng.choice(B62 + '-_') for _ in range(43))}"


def url_with_credentials(rng: random.Random) -> tuple[str, str]:
    """(url, the user:password part)."""
    user = rng.choice(["admin", "deploy", "svc_app", "root"])
    password = _b62(rng, 12) + rng.choice("!$%*")
    host = rng.choice(["db.internal.example.com", "example.net:5432", "10.1.2.3", "registry.example.io"])
    scheme = rng.choice(["https", "postgres", "mysql", "redis", "ftp"])
    return f"{scheme}://{user}:{password}@{host}/data", f"{user}:{password}"


def bearer(rng: random.Random) -> str:
    return _b62(rng, 40)


def pem(rng: random.Random) -> str:
    body = "\n".join(_b62(rng, 64) for _ in range(4))
    return f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----"


def person(rng: random.Random) -> str:
    first = rng.choice(["Maria", "Jonas", "Aiko", "Fatima", "Liam", "Chloe", "Ravi", "Sven", "Nadia", "Omar"])
    last = rng.choice(["Okonkwo", "Lindqvist", "Moreau", "Haddad", "Brennan", "Nakamura", "Petrova", "Alvarez"])
    return f"{first} {last}"


# ---- addresses and names without a cue (the detectors of issue 11, item 8) --------------------------------------------
def address_en(rng: random.Random) -> str:
    number = rng.choice([str(rng.randint(1, 9999)), f"{rng.randint(1, 400)}B"])
    street = rng.choice(["Baker", "Elm", "Maple", "Pennsylvania", "Sunset", "Oak Hill", "West 5th", "Kingsley"])
    kind = rng.choice(["Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Lane", "Drive", "Court", "Way"])
    flat = rng.choice(["", "", f", Apt {rng.randint(1, 40)}", f", Suite {rng.randint(100, 900)}"])
    return f"{number} {street} {kind}{flat}"


def address_eu(rng: random.Random) -> str:
    n = rng.randint(1, 180)
    return rng.choice(
        [
            f"{rng.choice(['Haupt', 'Linden', 'Garten', 'Bahnhof', 'Schiller'])}straße {n}",
            f"{rng.choice(['Goethe', 'Berliner'])}str. {n}a",
            f"{rng.choice(['Kerk', 'Molen', 'Dorps'])}straat {n}",
            f"{rng.choice(['Keizers', 'Heren', 'Prinsen'])}gracht {n}",
            f"{n} rue {rng.choice(['de la Paix', 'Victor Hugo', 'des Lilas', 'du Bac'])}",
            f"{n} avenue {rng.choice(['Foch', 'de la République', 'Jean Jaurès'])}",
            f"Calle {rng.choice(['Mayor', 'de Alcalá', 'Gran Vía'])} {n}",
            f"Via {rng.choice(['Roma', 'Garibaldi', 'Dante Alighieri'])} {n}",
            f"Rua {rng.choice(['Augusta', 'da Liberdade', 'Oscar Freire'])}, {n}",
            f"{rng.choice(['Stor', 'Kungs', 'Drottning'])}gatan {n}",
        ]
    )


def po_box(rng: random.Random) -> str:
    return rng.choice(["P.O. Box", "PO Box", "Postfach", "Apartado"]) + f" {rng.randint(10, 99999)}"


def city_zip(rng: random.Random) -> str:
    city, state = rng.choice([("Springfield", "IL"), ("San Francisco", "CA"), ("Austin", "TX"), ("Portland", "OR")])
    return f"{city}, {state} {rng.randint(10000, 99999)}" + rng.choice(["", f"-{rng.randint(1000, 9999)}"])


def uk_postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    area = rng.choice(["SW1A", "EC1A", "W1", "M1", "B33", "CR2", "LS1", "EH1", "NW1"])
    return f"{area} {rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def person_nocue(rng: random.Random) -> str:
    """A name written without a cue word; first and family names of several origins."""
    first = rng.choice(["Maria", "Jonas", "Fatima", "Liam", "Chloe", "Ravi", "Sven", "Nadia", "Omar", "Ingrid",
                        "Kwame", "Agnieszka", "Mehmet", "Leila", "Rafael", "Camila", "Siobhan", "Matteo", "Ewa"])  # fmt: skip
    last = rng.choice(["Okonkwo", "Lindqvist", "Moreau", "Haddad", "Brennan", "Mensah", "Nguyen", "Yilmaz",
                       "Dlamini", "Oliveira", "Hussain", "Gallagher", "Rossi", "Virtanen", "Schmidt", "Kapoor"])  # fmt: skip
    return f"{first} {last}"
