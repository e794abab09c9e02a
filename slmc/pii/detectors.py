"""Detectors of PII and secrets in text: regexes for the shape, checksums and context for the decision.

``find_spans(text)`` returns non-overlapping ``Span``s (start, end, kind, key); ``key`` is the normalised value, so the
same value written two ways (``+1 415 555 0100`` / ``+1-415-555-0100``) gets the same placeholder. Stdlib only and
pure (the name lists are read once, on first use), so detection can run in worker processes and the runtime's trace
log can use it.

What is detected (``kind``): EMAIL, PHONE (``+`` international, ``(area)``, trunk-``0`` national, US 3-3-4, or any
7-15 digit grouping after a cue such as "phone:"), CARD (13-19 digits, issuer prefix, Luhn), IBAN (country length,
mod-97), SSN (US, dashed or after a cue), NINO (UK), SIN (Canada, grouped, Luhn), DNI (Spain DNI/NIE, check letter),
IP (IPv4/IPv6 except loopback/unspecified), API_KEY (known prefixes), JWT, TOKEN (``Bearer``/``Basic`` credentials and
long high-entropy tokens), SECRET (values after ``password=``-like cues), CREDENTIALS (``user:pass`` in URLs),
PRIVATE_KEY (PEM blocks, and the tail of one split across two messages), NAME (names after cues: "my name is", "Dear",
"Name:", ...; a title and a capitalised word: "Mrs Haddad"; and, without a cue, a known first and family name, or
one of them beside a capitalised word that is not a common word, outside runs of capitalised words: "Maria Okonkwo",
"Aiko Nakamura"; lists and measured figures in ``slmc/data/names/README.md``), ADDRESS (a house number, a street name and a street-type word in English, German,
Dutch, Nordic, French, Spanish, Italian and Portuguese forms; PO boxes; US "City, ST 12345", UK postcodes, "12345 City"
after a comma or at a line start). Base64 runs are decoded and the decoded text searched: a run that hides any of the
above is replaced whole, as the kind it hides.

Left alone on purpose: dates, times, version strings, plain integers and decimals, order ids (``ORD-2024-000123``),
UUIDs, hex digests, loopback addresses.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple


class Span(NamedTuple):
    start: int
    end: int
    kind: str
    key: str  # normalised value (same value -> same placeholder)


# ---- checksums -------------------------------------------------------------------------------------------------------
def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# IBAN lengths by country (ISO 13616 registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_ok(iban: str) -> bool:
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    if expected is None and not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_ok(value: str) -> bool:
    value = value.replace("-", "").upper()
    body, letter = value[:-1], value[-1]
    body = body.replace("X", "0").replace("Y", "1").replace("Z", "2")
    return body.isdigit() and _DNI_LETTERS[int(body) % 23] == letter


def card_issuer_ok(digits: str) -> bool:
    """Issuer prefixes of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro)."""
    n = len(digits)
    two, four = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return n in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16
    if two in (34, 37):
        return n == 15
    if two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return 14 <= n <= 19
    if four == 6011 or two == 65 or 644 <= int(digits[:3]) <= 649 or 3528 <= four <= 3589 or two == 62:
        return 16 <= n <= 19
    if two in (50, 56, 57, 58, 63, 67):
        return 12 <= n <= 19
    return False


def shannon_entropy(text: str) -> float:
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


# ---- patterns --------------------------------------------------------------------------------------------------------
# Python's regex engine scans fast only when a pattern starts with a literal or a character set, so the patterns used
# on whole texts start that way, and boundaries are checked on the (few) matches; the rest run inside small windows.
EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
URL_CREDENTIALS = re.compile(r"://([^\s:/@<>\"'\\]+:[^\s/@<>\"'\\]+)@[A-Za-z0-9\[]")
PEM = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----(?:[^\x00]*?-----END \1-----|[A-Za-z0-9+/=\s\\:,-]*)"
)
API_KEY = re.compile(
    r"sk-(?:ant-|proj-|svcacct-)?[A-Za-z0-9_-]{20,}"
    r"|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_[A-Za-z0-9_]{22,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"
    r"|AIza[0-9A-Za-z_-]{30,}"
    r"|hf_[A-Za-z0-9]{30,}"
    r"|glpat-[A-Za-z0-9_-]{20,}"
    r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|npm_[A-Za-z0-9]{36}"
)
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}")
AUTH_HEADER = re.compile(r"(?:bearer|basic)[ \t]+([a-z0-9._~+/-]{8,}=*)")  # on lower-cased text
SECRET_CUE = re.compile(  # on lower-cased text
    r"(?:(?:password|passwd|pwd|passphrase|passcode|pin)[\"']?\s*(?:[:=]|is\b)"
    r"|(?:secret|api[_ -]?key|access[_ -]?key|auth[_ -]?token|access[_ -]?token|token)[\"']?\s*[:=])"
    r"\s*[\"']?([^\s\"',;<>]{4,})"
)
LONG_TOKEN = re.compile(r"[A-Za-z0-9_+/=-]{24,}")
IBAN = re.compile(r"\b([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30})\b")
NINO = re.compile(
    r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\b"
)
DNI = re.compile(r"\b(?:[XYZ][0-9]{7}|[0-9]{8})-?[A-Z]\b")
IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"(?![\w]|\.[0-9])"
)
IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f:]{2,39}(?:%\w+)?(?![\w:]|\.\w)")
# A run of digits with phone/card/id separators, optionally led by "+" or "(".
NUMERIC = re.compile(r"(?<![\w+.@/-])(?:\+|\(\+?)?[0-9](?:[ .()-]{0,2}[0-9]){6,22}(?![\w]|[.-][0-9])")
NUM_CLUSTER = re.compile(r"[0-9][0-9 .()/:-]*[0-9]")  # two digits or more
NAME_CUE = re.compile(  # on lower-cased text; the name itself is read from the original text
    r"(?:my name is|my name's|full name\s*:|name\s*:|customer\s*:|dear|signed\s*,?|regards\s*,|sincerely\s*,|thanks\s*,)"
    r"[ \t]*\n?[ \t]*"
)
NAME_AFTER_CUE = re.compile(
    r"((?:Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s+)?([A-Z][a-z'\u00e0-\u00ff]+(?:[ -][A-Z][a-z'\u00e0-\u00ff]+){0,2})\b"
)
NAME_STOP = frozenset({
    "Team", "Sir", "Madam", "All", "Customer", "Support", "Everyone", "There", "Friend", "Friends", "Colleagues",
    "Hiring", "Manager", "User", "Client", "Admin", "Thanks", "Regards", "Best", "The", "This", "That", "It", "We",
    "You", "They", "He", "She", "Not", "Your", "Our", "Please", "Hello", "Hi", "Hey", "Unknown", "None", "Null",
    "Sincerely", "Kind", "Yours", "Cheers", "Order", "Account", "Ticket", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "My", "I", "Reference", "Ref", "And", "Or", "But", "If", "So", "In",
    "On", "At", "For", "From", "To", "Is", "Was", "Contact", "Phone", "Email", "Address", "Re", "Subject",
})  # fmt: skip
# ---- addresses ----
_CAP = r"[A-Z][a-zA-Z'\u00e0-\u00ff.-]*"
_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Terr?"
    r"|Way|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Close|Crescent|Cres|Row|Alley|Trail|Plaza|Mews|Gardens|Grove|Walk"
)
ADDRESS_EN = re.compile(  # 221B Baker Street, 1600 Pennsylvania Ave NW, 42 West 5th St., Apt 4B
    r"(?<![\w.,/-])[0-9]{1,6}[A-Za-z]?(?:-[0-9]{1,4})?,?[ \t]+"
    r"(?:(?:[NSEW]\.?|North|South|East|West)[ \t]+)?"
    rf"(?:(?:{_CAP}|[0-9]{{1,3}}(?:st|nd|rd|th))[ \t]+){{1,4}}?"
    rf"(?:{_STREET_TYPES})\b\.?"
    r"(?:[ \t]+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    r"(?:,?[ \t]*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|#)\.?[ \t]*#?[0-9A-Za-z-]{1,6}\b)?"
)
ADDRESS_EN_LOWER = re.compile(  # 12 baker street (lower-case, full street-type word only)
    r"(?<![\w.,/-])[0-9]{1,5}[a-z]?[ \t]+(?:[a-z]{3,}[ \t]+){1,2}?(?:street|avenue|road|boulevard|lane|drive)\b"
)
_STREET_SUFFIX = (
    r"stra(?:ss|\u00df)e|str\.|weg|gasse|allee|platz|ring|damm|ufer|straat|laan|gracht|plein|kade|singel|dijk"
    r"|vej|gade|gatan|gata|v\u00e4gen|veien|gate"
)
ADDRESS_SUFFIXED = re.compile(  # Hauptstraße 12, Bahnhofstr. 5a, Keizersgracht 123, Storgatan 7
    r"(?<![\w-])(?:[A-Z\u00c0-\u00de][a-z\u00df-\u00ff]+[ -])?[A-Z\u00c0-\u00de][a-z\u00df-\u00ff-]*"
    rf"(?:{_STREET_SUFFIX})[ \t]+[0-9]{{1,4}}[a-z]?\b"
)
ADDRESS_SUFFIXED_WORD = re.compile(  # Rue-less forms with a separate type word: "Karl-Marx-Allee 34", "Am Markt 3"
    r"(?<![\w-])(?:Stra(?:ss|\u00df)e|Weg|Platz|Allee|Gasse)[ \t]+[0-9]{1,4}[a-z]?\b"
)
_ROMANCE_TYPE = (
    r"(?i:rue|avenue|boulevard|bd|place|chemin|all\u00e9e|impasse|quai|calle|c/|avenida|avda\.?|paseo|plaza|carrer"
    r"|via|viale|piazza|corso|largo|vicolo|rua|travessa|pra\u00e7a|alameda)"
)
_ROMANCE_NAME = (
    r"(?:(?:de|del|de la|de las|de los|du|des|la|le|les|l'|d'|da|do|dos|das|di|della|dei|delle)[ \t]*)*"
    r"[A-Z\u00c0-\u00de][\w'\u00e0-\u00ff-]*(?:[ \t]+(?:(?:de|del|la|di|da|do|des|du)[ \t]+)?[A-Z\u00c0-\u00de][\w'\u00e0-\u00ff-]*){0,3}"
)
ADDRESS_ROMANCE = re.compile(  # 12 rue de la Paix, 5 bis avenue Foch / Calle Mayor 5, Via Roma 10, Rua Augusta, 123
    rf"(?<![\w.,/-])[0-9]{{1,4}}(?:[ \t]*(?:bis|ter))?,?[ \t]+{_ROMANCE_TYPE}[ \t]+{_ROMANCE_NAME}"
    rf"|(?<![\w-])(?:Rue|Avenue|Boulevard|Place|Chemin|Calle|C/|Avenida|Avda\.?|Paseo|Plaza|Carrer|Via|Viale|Piazza"
    rf"|Corso|Largo|Vicolo|Rua|Travessa|Pra\u00e7a|Alameda)[ \t]+{_ROMANCE_NAME}"
    r",?[ \t]*(?:n[\u00ba\u00b0o]\.?|nr\.?|no\.?)?[ \t]*[0-9]{1,5}[a-zA-Z]?\b"
)
PO_BOX = re.compile(  # on lower-cased text
    r"(?:p\.?[ \t]?o\.?[ \t]?box|post[ \t]office[ \t]box|postfach|apartado(?:[ \t]de[ \t]correos)?|case[ \t]postale"
    r"|casilla(?:[ \t]de[ \t]correo)?|caixa[ \t]postal|postbus|postboks|box)[ \t]*#?[0-9]{1,7}\b"
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK"
    "|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
CITY_STATE_ZIP = re.compile(  # Springfield, IL 62704 / San Francisco, CA 94103-1234
    rf"(?<![\w-])[A-Z][a-z]+(?:[ \t][A-Z][a-z]+){{0,2}},[ \t]*(?:{_US_STATES})[ \t]+[0-9]{{5}}(?:-[0-9]{{4}})?\b"
)
UK_POSTCODE = re.compile(r"(?<![\w-])(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR)[ \t]?[0-9][ABD-HJLNP-UW-Z]{2}\b")
POSTCODE_CITY = re.compile(  # ", 10115 Berlin" / "\n75008 Paris" / ", 1012 AB Amsterdam" / ", 08001 Barcelona"
    r"(?:^|,|\n)[ \t]*(?:[A-Z]{1,2}-)?[0-9]{4,5}(?:[ \t]?[A-Z]{2})?[ \t]+[A-Z\u00c0-\u00de][a-z\u00df-\u00ff]+"
    r"(?:[ -][A-Z\u00c0-\u00de][a-z\u00df-\u00ff]+)?(?:[ \t]+(?:am|an|im|sur|en)[ \t]+[A-Z][a-z]+)?"
)
# A cheap test before the address patterns run: a word of the window (lower-cased) is a street-type word or ends like one.
_ADDRESS_WORDS = frozenset(
    [
        "street",
        "st",
        "avenue",
        "ave",
        "av",
        "road",
        "rd",
        "boulevard",
        "blvd",
        "lane",
        "ln",
        "drive",
        "dr",
        "court",
        "ct",
        "place",
        "pl",
        "square",
        "sq",
        "terrace",
        "ter",
        "terr",
        "way",
        "parkway",
        "pkwy",
        "highway",
        "hwy",
        "circle",
        "cir",
        "close",
        "crescent",
        "cres",
        "row",
        "alley",
        "trail",
        "plaza",
        "mews",
        "gardens",
        "grove",
        "walk",
        "weg",
        "ring",
        "rue",
        "bd",
        "chemin",
        "allée",
        "impasse",
        "quai",
        "calle",
        "c/",
        "avenida",
        "avda",
        "paseo",
        "carrer",
        "via",
        "viale",
        "piazza",
        "corso",
        "largo",
        "vicolo",
        "rua",
        "travessa",
        "praça",
        "alameda",
        "box",
        "postfach",
        "apartado",
        "postale",
        "casilla",
        "postal",
        "postbus",
        "postboks",
    ]
)
_ADDRESS_ENDINGS = (
    "stra\u00dfe", "strasse", "str.", "weg", "gasse", "allee", "platz", "ring", "damm", "ufer", "straat", "laan",
    "gracht", "plein", "kade", "singel", "dijk", "vej", "gade", "gatan", "gata", "v\u00e4gen", "veien", "gate",
)  # fmt: skip
_WORD = re.compile(r"[a-z\u00df-\u00ff/]+\.?")


# ---- names without a cue (name lists in slmc/data/names) ----
NAME_PAIR = re.compile(  # the second word in a look-ahead: "Thanks Maria Okonkwo" yields both pairs; the look-behind
    # comes after the first letter, so the scan for a capital runs at the regex engine's fast speed; "Mrs. Haddad" too
    r"([A-Z](?<![\w@./-][A-Z])[a-z'\u00e0-\u00ff]+)(\.?)(?=(?:[ \t]+([A-Z]\.))?[ \t]+"
    r"([A-Z][a-z'\u00e0-\u00ff]+(?:-[A-Z][a-z'\u00e0-\u00ff]+)?)(?![\w@-]))"
)
TITLES = frozenset({"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Herr", "Frau", "Mme", "Mlle", "Sr", "Sra", "Srta"})
# Capitalised words that follow a first name without making it a person ("Jordan River", "Georgia Tech").
NAME_SECOND_STOP = frozenset({
    "Street", "Avenue", "Road", "Lane", "Drive", "Boulevard", "Square", "Park", "River", "Lake", "Bay", "Beach",
    "County", "City", "State", "Valley", "Island", "Islands", "Mountain", "Mountains", "Tech", "University", "College",
    "School", "Hospital", "Airport", "Station", "Bank", "Card", "Pay", "Account", "Group", "Inc", "Ltd", "Company",
    "Center", "Centre", "Hotel", "Restaurant", "Mall", "Museum", "Library", "Church", "Hall", "Bridge", "Festival",
    "Music", "Radio", "Records", "Band", "Show", "Playlist", "Mix", "Hits", "Songs", "Classics", "Essentials",
    "Time", "Day", "Night", "Weather", "Today", "Tomorrow", "Week", "Month", "Year", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December", "Express", "Mobile",
    "Online", "Support", "Service", "Services", "Team", "Desk", "Office", "Store", "Shop", "Market", "Club",
})  # fmt: skip
PHONE_CUE = re.compile(r"(?i:phone|\btel\b|mobile|\bcell\b|call me|call us|\bsms\b|text me|whatsapp|\bfax\b|contact)")
SSN_CUE = re.compile(r"(?i:\bssn\b|social security)")
SIN_CUE = re.compile(r"(?i:\bsin\b|social insurance)")
_DATE = re.compile(r"^(?:\d{4}[-. ]\d{1,2}[-. ]\d{1,2}|\d{1,2}[-. ]\d{1,2}[-. ]\d{2,4})$")
_DATE_CLUSTER = re.compile(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_VERSION_CUE = re.compile(r"(?i:\bv|\bversion[ :]\s*|\bver\.? ?|\brelease |\bbuild )$")
_SEP = re.compile(r"[ .()-]+")

PEM_TAIL = re.compile(  # the rest of a PEM block whose BEGIN line is in the previous message
    r"^[\s\"']*(?:[A-Za-z0-9+/=]{16,}(?:\\n|\s)+)+[A-Za-z0-9+/=]*(?:\\n|\s)*-----END ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----"
)
BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_B64_ALPHABET = re.compile(r"^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+={0,2}$")

# Highest priority first: an earlier kind keeps a span when two overlap.
PRIORITY = (
    "PRIVATE_KEY",
    "CREDENTIALS",
    "JWT",
    "API_KEY",
    "TOKEN",
    "SECRET",
    "EMAIL",
    "IBAN",
    "CARD",
    "SSN",
    "SIN",
    "NINO",
    "DNI",
    "IP",
    "PHONE",
    "ADDRESS",
    "NAME",
)
_RANK = {k: i for i, k in enumerate(PRIORITY)}


# ---- numeric candidates ----------------------------------------------------------------------------------------------
def _classify_numeric(text: str, start: int, end: int) -> Span | None:
    raw = text[start:end]
    if raw.startswith("(") and ")" not in raw[1:6]:  # an opening bracket of the prose, not "(415) ..."
        return _classify_numeric(text, start + 1, end) if len(raw) > 7 else None
    digits = "".join(ch for ch in raw if ch.isdigit())
    n = len(digits)
    if _DATE.match(raw) or _TIME.match(raw):
        return None
    groups = [g for g in _SEP.split(raw.strip("+()")) if g]
    seps = set(_SEP.findall(raw.strip("+()")))
    lead = text[max(0, start - 30) : start]
    # Payment card: 13-19 digits, grouped by one kind of separator, known issuer, Luhn.
    single_grouping = len(seps) <= 1 and "." not in raw and "(" not in raw and raw[0] != "+"
    if 13 <= n <= 19 and single_grouping and card_issuer_ok(digits) and luhn_ok(digits):
        return Span(start, end, "CARD", digits)
    if n == 9 and (_ssn_ok(raw, digits) or (raw.isdigit() and SSN_CUE.search(lead))):
        return Span(start, end, "SSN", digits)
    # Canadian SIN: 3-3-3 grouped, Luhn, first digit not 0/8; not when a phone cue comes before it.
    sin_shape = n == 9 and re.fullmatch(r"\d{3}([ -])\d{3}\1\d{3}", raw) and digits[0] not in "08"
    if sin_shape and luhn_ok(digits) and (SIN_CUE.search(lead) or not PHONE_CUE.search(lead)):
        return Span(start, end, "SIN", digits)
    return _classify_phone(raw, start, end, digits, groups, lead)


def _ssn_ok(raw: str, digits: str) -> bool:
    """US SSN, dashed: AAA-GG-SSSS (area not 000/666/9xx, group not 00, serial not 0000)."""
    if not re.fullmatch(r"\d{3}-\d{2}-\d{4}", raw):
        return False
    return digits[:3] not in ("000", "666") and digits[0] != "9" and digits[3:5] != "00" and digits[5:] != "0000"


def _classify_phone(raw: str, start: int, end: int, digits: str, groups: list[str], lead: str) -> Span | None:
    n = len(digits)
    if not 7 <= n <= 15:
        return None
    key = ("+" if raw.startswith(("+", "(+")) else "") + digits
    if raw.startswith(("+", "(+")):
        return Span(start, end, "PHONE", key) if n >= 8 else None
    if PHONE_CUE.search(lead):
        return Span(start, end, "PHONE", key)
    if len(groups) < 2:
        return None  # an unformatted number without a cue: an id or an amount, not a phone
    body = groups[1:] if len(groups[0]) == 1 and groups[0] == "1" else groups  # US trunk "1-"
    if raw.startswith("(") and 10 <= n <= 11:
        return Span(start, end, "PHONE", key)
    if digits[0] == "0" and 9 <= n <= 12 and all(len(g) >= 2 for g in groups):
        return Span(start, end, "PHONE", key)
    if [len(g) for g in body] == [3, 3, 4]:
        return Span(start, end, "PHONE", key)
    return None


# ---- main entry ------------------------------------------------------------------------------------------------------
_DIGITS = b"0123456789"
_TOKEN_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+/=-"
_NON_SPACE = re.compile(r"\S*")
_NO_DIGITS = str.maketrans("", "", "0123456789")
_TOKEN_MAP = bytes(0x61 if c in _TOKEN_CHARS else 0x20 for c in range(256))  # token char -> "a", other -> " "
_WORDISH = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SECRET_WORDS = ("pass", "pwd", "secret", "key", "token", "pin ", "pin:", "pin=", 'pin"')
_NAME_CUE_WORDS = ("name", "dear", "customer", "signed", "regards", "sincerely", "thanks")


def find_spans(
    text: str,
    *,
    names: bool = True,
    entropy: bool = True,
    min_token_length: int = 24,
    addresses: bool = True,
    decode: bool = True,
) -> list[Span]:
    """All PII/secret spans of ``text``, non-overlapping, sorted by start. ``decode``: search inside base64 runs."""
    if len(text) < 6:
        return []
    found: list[Span] = []
    add = found.append
    ascii_view = text.encode("ascii", "replace")  # one byte per character: positions match the text
    mapped = ascii_view.translate(_TOKEN_MAP)
    lower = text.lower()
    if len(lower) != len(text):  # a few characters change length when lower-cased: keep positions aligned
        lower = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    if "-----BEGIN" in text:
        for m in PEM.finditer(text):
            add(Span(m.start(), m.end(), "PRIVATE_KEY", re.sub(r"\\n|\s", "", m.group(0))))
    if "-----END" in text:
        tail = PEM_TAIL.match(text)
        if tail:
            start = len(text) - len(text.lstrip(" \t\r\n\"'"))
            add(Span(start, tail.end(), "PRIVATE_KEY", re.sub(r"\\n|\s", "", tail.group(0))))
    if "://" in text:
        for m in URL_CREDENTIALS.finditer(text):
            add(Span(m.start(1), m.end(1), "CREDENTIALS", m.group(1)))
    if b"a" * 20 in mapped:
        if "eyJ" in text:
            for m in JWT.finditer(text):
                if _starts_token(text, m.start()):
                    add(Span(m.start(), m.end(), "JWT", m.group(0)))
        for m in API_KEY.finditer(text):
            if _starts_token(text, m.start()):
                add(Span(m.start(), m.end(), "API_KEY", m.group(0)))
    if "bearer" in lower or "basic" in lower:
        for m in AUTH_HEADER.finditer(lower):
            if _starts_word(text, m.start()):
                add(Span(m.start(1), m.end(1), "TOKEN", text[m.start(1) : m.end(1)]))
    if any(word in lower for word in _SECRET_WORDS):
        for m in SECRET_CUE.finditer(lower):
            value = text[m.start(1) : m.end(1)]
            if _starts_word(text, m.start()) and not value.startswith("<"):  # "<...>": an earlier placeholder
                add(Span(m.start(1), m.end(1), "SECRET", value))
    if "@" in text:
        _emails(text, add)
    if len(ascii_view.translate(None, _DIGITS)) != len(ascii_view):
        for start, end in _digit_windows(text):
            _numeric_window(text, start, end, add)
    if entropy and b"a" * min_token_length in mapped:
        for m in LONG_TOKEN.finditer(text):
            token = m.group(0)
            if len(token) >= min_token_length and _looks_random(token):
                add(Span(m.start(), m.end(), "TOKEN", token))
    if decode and b"a" * 16 in mapped:
        _base64_runs(text, add, names=names, entropy=entropy, min_token_length=min_token_length, addresses=addresses)
    has_digits = len(ascii_view.translate(None, _DIGITS)) != len(ascii_view)
    if addresses and has_digits:
        _addresses(text, lower, add)
    if names:
        _names_without_cue(text, add)
    if names and any(word in lower for word in _NAME_CUE_WORDS):
        for m in NAME_CUE.finditer(lower):
            if not _starts_word(text, m.start()):
                continue
            after = NAME_AFTER_CUE.match(text, m.end())
            if after:
                span = _name_span(after)
                if span:
                    add(span)
    return resolve_overlaps(found)


def _key(value: str) -> str:
    return " ".join(value.lower().split())


_NUMBER = re.compile(r"[0-9]+")


def _addresses(text: str, lower: str, add: Callable[[Span], None]) -> None:
    """Every address form holds a number: the patterns run only in small windows around the numbers of the text."""
    n = len(text)
    windows: list[tuple[int, int]] = []
    for m in _NUMBER.finditer(text):
        s, e = m.start(), m.end()
        digits = e - s
        if digits <= 2 and (text[s - 1 : s].isupper() or text[e : e + 1].isupper()):  # UK: "SW1A 1AA", "M1 1AE"
            for p in UK_POSTCODE.finditer(text, max(0, s - 5), min(n, e + 6)):
                add(Span(p.start(), p.end(), "ADDRESS", p.group(0).replace(" ", "")))
        elif digits == 5 and text[s - 4 : s - 3] == " " and text[s - 1 : s] == " ":  # "Springfield, IL 62704"
            for p in CITY_STATE_ZIP.finditer(text, max(0, s - 40), min(n, e + 5)):
                add(Span(p.start(), p.end(), "ADDRESS", _key(p.group(0))))
        if digits in (4, 5):  # ", 10115 Berlin", "\n75008 Paris", ", 1012 AB Amsterdam"
            lead = max(0, s - 6)
            line = max(text.rfind(",", lead, s), text.rfind("\n", lead, s))
            if line != -1 or s <= 5:
                p = POSTCODE_CITY.match(text, line if line != -1 else 0, min(n, e + 40))
                if p:
                    value = p.group(0)
                    first = p.start() + len(value) - len(value.lstrip(",\n \t"))
                    city = value.split()[-1]
                    if city not in NAME_STOP and city not in _NOT_CITY:
                        add(Span(first, p.end(), "ADDRESS", _key(text[first : p.end()])))
        # a house number: a whole word of digits (an optional letter after), not part of a date, time, amount or id
        prev, nxt = text[s - 1 : s], text[e : e + 1]
        if (
            digits > 6
            or prev not in _HOUSE_BEFORE
            or not (nxt in _HOUSE_AFTER or (nxt.isalpha() and not text[e + 1 : e + 2].isalpha()))
        ):
            continue
        if nxt in ".,:" and text[e + 1 : e + 2].isdigit():
            continue
        words = _WORD.findall(lower, max(0, s - 50), s)[-5:] + _WORD.findall(lower, e, min(n, e + 50))[:5]
        if not any(w.rstrip(".") in _ADDRESS_WORDS or w.endswith(_ADDRESS_ENDINGS) for w in words):
            continue
        start, end = max(0, s - 80), min(n, e + 80)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    for start, end in windows:
        for rx in (ADDRESS_EN, ADDRESS_EN_LOWER, ADDRESS_SUFFIXED, ADDRESS_SUFFIXED_WORD, ADDRESS_ROMANCE):
            for m in rx.finditer(text, start, end):
                add(Span(m.start(), m.end(), "ADDRESS", _key(m.group(0))))
        for m in PO_BOX.finditer(lower, start, end):
            if _starts_word(text, m.start()):
                add(Span(m.start(), m.end(), "ADDRESS", _key(m.group(0))))


_HOUSE_BEFORE = frozenset(["", " ", "\t", "\n", ",", "(", "#", '"', "'"])
_HOUSE_AFTER = frozenset(["", " ", "\t", "\n", ",", ".", ")", '"', "'"])
_NOT_CITY = frozenset({
    "Euro", "Euros", "Dollar", "Dollars", "Pound", "Pounds", "Points", "Miles", "Transactions", "Payments", "Items",
    "Orders", "Calls", "Records", "Users", "Customers", "Steps", "Tokens", "Songs", "Tracks", "Times", "Days",
})  # fmt: skip
_NAME_LISTS: tuple[frozenset[str], frozenset[str], frozenset[str]] | None = None


def name_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(first names, family names, common English words capitalised) from ``slmc/data/names``, read once; empty
    sets when the files are missing (then only names after cues and titles are found)."""
    global _NAME_LISTS
    if _NAME_LISTS is None:
        folder = Path(__file__).resolve().parents[1] / "data" / "names"

        def read(name: str) -> list[str]:
            try:
                lines = (folder / name).read_text(encoding="utf-8").splitlines()
            except OSError:
                return []
            return [word for line in lines if not line.startswith("#") for word in line.split()]

        common = frozenset(w.capitalize() for w in read("common_words.txt"))
        _NAME_LISTS = (frozenset(read("first_names.txt")), frozenset(read("last_names.txt")), common)
    return _NAME_LISTS


def _names_without_cue(text: str, add: Callable[[Span], None]) -> None:
    """Names written without a cue: a known first name and a known family name ("Maria Okonkwo"); a known first or
    family name beside a capitalised word that is neither a common word nor (for the other slot) a name of the other
    kind ("Aiko Nakamura", "Chidi Okonkwo"); a title and a capitalised word ("Mrs Haddad"). Not inside a run of three
    or more capitalised words (titles of songs, playlists, companies)."""
    first, last, common = name_lists()
    for m in NAME_PAIR.finditer(text):
        a, b = m.group(1), m.group(4)
        b0 = b.split("-")[0]
        if b0 in NAME_STOP or b0 in NAME_SECOND_STOP:
            continue
        if a in TITLES:
            add(Span(m.start(4), m.end(4), "NAME", b))
            continue
        if m.group(2) or a in NAME_STOP or a in NAME_SECOND_STOP:
            continue
        strong = a in first and b0 in last
        if not strong:
            if a in common or b0 in common or not (a in first or b0 in last) or a in last or b0 in first:
                continue
            if _in_title_run(text, m.start(1), m.end(4)):
                continue
        end = m.end(4)
        add(Span(m.start(1), end, "NAME", " ".join(text[m.start(1) : end].split())))


_CAP_BEFORE = re.compile(r"[A-Z][\w'\u00e0-\u00ff-]*[ \t]+$")
_CAP_AFTER = re.compile(r"[ \t]+[A-Z][\w'\u00e0-\u00ff-]*")


def _in_title_run(text: str, start: int, end: int) -> bool:
    before = _CAP_BEFORE.search(text, max(0, start - 40), start)
    if before and before.start() > 0 and text[before.start() - 1] not in ".!?\n":
        return True  # a capitalised word before the pair that does not start a sentence
    return _CAP_AFTER.match(text, end) is not None


def _base64_runs(text: str, add: Callable[[Span], None], **options: object) -> None:
    """Base64 runs whose decoded text holds PII or a secret: the whole run, as the kind it hides."""
    for m in BASE64_RUN.finditer(text):
        run = m.group(0)
        if run.islower() or run.isupper() or run.isdigit() or not _starts_token(text, m.start()):
            continue  # base64 of text mixes cases
        if not _B64_ALPHABET.match(run):
            continue
        body = run.rstrip("=")
        if len(body) % 4 == 1:
            continue
        try:
            raw = base64.b64decode(
                body + "=" * (-len(body) % 4), altchars=b"-_" if "-" in body or "_" in body else None
            )
            decoded = raw.decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if sum(ch.isprintable() or ch in "\n\r\t" for ch in decoded) < 0.95 * len(decoded):
            continue
        inner = find_spans(decoded, decode=False, **options)  # type: ignore[arg-type]
        if inner:
            best = min(inner, key=lambda s: _RANK[s.kind])
            add(Span(m.start(), m.end(), best.kind, best.key if len(inner) == 1 else run))


def _name_span(m: re.Match[str]) -> Span | None:
    """The name after a cue, without trailing capitalised words that start the next sentence ("... Smith Please")."""
    words = m.group(2).split(" ")
    while words and words[-1].split("-")[0] in NAME_STOP:
        words.pop()
    if not words or words[0].split("-")[0] in NAME_STOP:
        return None
    name = " ".join(words)
    return Span(m.start(2), m.start(2) + len(name), "NAME", name)


def _starts_token(text: str, start: int) -> bool:
    return start == 0 or text[start - 1] not in _WORDISH


def _starts_word(text: str, start: int) -> bool:
    return start == 0 or not text[start - 1].isalnum()


def _emails(text: str, add: Callable[[Span], None]) -> None:
    at = text.find("@")
    while at != -1:
        m = EMAIL.search(text, max(0, at - 80), min(len(text), at + 260))
        while m and m.end() <= at:
            m = EMAIL.search(text, m.end(), min(len(text), at + 260))
        if m and m.start() < at < m.end():
            add(Span(m.start(), m.end(), "EMAIL", m.group(0).lower()))
            at = text.find("@", m.end())
        else:
            at = text.find("@", at + 1)


def _digit_windows(text: str) -> list[tuple[int, int]]:
    """Spans of text around runs of digits, widened to whole tokens and one short token each side."""
    n = len(text)
    windows: list[tuple[int, int]] = []
    for m in NUM_CLUSTER.finditer(text):
        cluster = m.group(0)
        short = len(cluster) < 6 and "." not in cluster and ":" not in cluster
        if short and text[m.end() : m.end() + 1] != ":" and text[m.start() - 1 : m.start()] != ":":
            continue  # a short number (order id, amount), not part of an address: nothing to find around it
        if _DATE_CLUSTER.match(cluster.strip()):
            continue
        start, end = max(0, m.start() - 4), min(n, m.end() + 3)
        start = max(start - 40, text.rfind(" ", 0, start) + 1, text.rfind("\n", 0, start) + 1)
        end = min(end + 40, _NON_SPACE.match(text, end).end())
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _numeric_window(text: str, start: int, end: int, add: Callable[[Span], None]) -> None:
    window = text[start:end]
    digits = len(window) - len(window.translate(_NO_DIGITS))
    if digits < 4:
        return
    if window.count(".") >= 3:
        for m in IPV4.finditer(text, start, end):
            value = m.group(0)
            if value not in ("127.0.0.1", "0.0.0.0", "255.255.255.255") and not _version_context(text, m.start()):
                add(Span(m.start(), m.end(), "IP", value))
    if window.count(":") >= 2:
        for m in IPV6.finditer(text, start, end):
            span = _ipv6_span(m)
            if span:
                add(span)
    if digits < 6:
        return  # too few digits for a card, phone, bank account or national id
    capitals = window.lower() != window
    if capitals:
        for m in NINO.finditer(text, start, end):
            add(Span(m.start(), m.end(), "NINO", m.group(0).replace(" ", "")))
    if digits < 7:
        return
    if capitals:
        # letters may come between and after the digits: "GB82 WEST 1234 ..."
        for m in IBAN.finditer(text, max(0, start - 12), min(len(text), end + 40)):
            span = _iban_span(m)
            if span:
                add(span)
        for m in DNI.finditer(text, start, end):
            if dni_ok(m.group(0)):
                add(Span(m.start(), m.end(), "DNI", m.group(0).replace("-", "")))
    for m in NUMERIC.finditer(text, start, end):
        span = _classify_numeric(text, m.start(), m.end())
        if span:
            add(span)


def _iban_span(m: re.Match[str]) -> Span | None:
    """The IBAN at the start of the match, cut to its country's length (the regex may run into following words)."""
    raw = m.group(1)
    expected = IBAN_LENGTHS.get(raw[:2])
    if expected is None:
        compact = raw.replace(" ", "")
        return Span(m.start(1), m.end(1), "IBAN", compact) if iban_ok(compact) else None
    count = 0
    for i, ch in enumerate(raw):
        if ch != " ":
            count += 1
        if count == expected:
            end = m.start(1) + i + 1
            if end < len(m.string) and m.string[end].isalnum():
                return None  # the cut falls inside a word
            compact = raw[: i + 1].replace(" ", "")
            return Span(m.start(1), end, "IBAN", compact) if iban_ok(compact) else None
    return None


def _version_context(text: str, start: int) -> bool:
    return _VERSION_CUE.search(text, max(0, start - 10), start) is not None


def _ipv6_span(m: re.Match[str]) -> Span | None:
    value = m.group(0)
    if value.count(":") < 2 or _TIME.match(value):
        return None
    try:
        addr = ipaddress.IPv6Address(value.split("%")[0])
    except ValueError:
        return None
    if addr.is_loopback or addr.is_unspecified:
        return None
    return Span(m.start(), m.end(), "IP", addr.compressed)


_WORDLIKE = re.compile(r"[a-z]{3,}|[A-Z][a-z]{2,}")


def _looks_random(token: str) -> bool:
    """A long mixed-case token with high Shannon entropy that is not made of words: a key, not an identifier.

    Identifiers (``getUserAccountSettings``, ``handle_ticket_v2``) are mostly runs of three or more lower-case letters
    with vowels in them (words); random base62/base64 text rarely is. Single-case tokens (hex digests, UUIDs) are left alone.
    """
    if not (any(c.isupper() for c in token) and any(c.islower() for c in token)):
        return False
    words = "".join(_WORDLIKE.findall(token))
    if len(words) >= 0.6 * len(token) and sum(ch in "aeiouAEIOU" for ch in words) >= 0.28 * len(words):
        return False  # mostly pronounceable runs of letters: words
    return shannon_entropy(token) >= 3.3


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Drop overlaps: the higher-priority kind wins, then the longer span."""
    if len(spans) <= 1:
        return spans
    spans.sort(key=lambda s: (_RANK[s.kind], -(s.end - s.start), s.start))
    kept: list[Span] = []
    for s in spans:
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    kept.sort()
    return kept
