"""The programme's shared vocabulary: weekly slots, languages and levels, postcode areas, ages.

Pure Python, no framework: intake, matching and followup all speak these words, so they live
in one place. Events carry coarse values only (a postcode area, an age band), never the exact
postcode or birth date.
"""
from __future__ import annotations

import math
import re
from datetime import date

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS_OF_DAY = ("am", "pm", "eve")
# Day-major order, so sorting by SLOTS.index reads like a week.
SLOTS = tuple(f"{day}-{part}" for day in DAYS for part in PARTS_OF_DAY)

LANGUAGE_NAMES = {
    "fr": "French", "nl": "Dutch", "en": "English", "de": "German", "ar": "Arabic",
    "tr": "Turkish", "es": "Spanish", "pt": "Portuguese", "it": "Italian", "ru": "Russian",
    "uk": "Ukrainian", "fa": "Persian", "ps": "Pashto", "prs": "Dari", "ti": "Tigrinya",
    "so": "Somali", "am": "Amharic", "ber": "Berber (Tamazight)", "ku": "Kurdish",
    "ln": "Lingala", "wo": "Wolof", "ff": "Fula", "bm": "Bambara", "sw": "Swahili",
    "ur": "Urdu", "hi": "Hindi", "bn": "Bengali", "zh": "Chinese", "sq": "Albanian",
    "ro": "Romanian", "pl": "Polish", "om": "Oromo", "ha": "Hausa", "ta": "Tamil",
    "hy": "Armenian", "ka": "Georgian", "bg": "Bulgarian", "sr": "Serbian", "vi": "Vietnamese",
}

# The initial training every mentor follows before a match: 8 half-day modules (a branch may differ).
TRAINING_MODULES = (
    "history-of-immigration", "intercultural-communication", "active-listening", "role-of-the-mentor",
    "labour-market-and-job-search", "coaching-a-young-adult", "diversity-and-bias", "boundaries-and-safeguarding",
)

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")

SUPPORT_KINDS = (
    "cv_and_letters", "interview_practice", "professional_network", "language_practice",
    "job_search_strategy", "digital_skills", "workplace_culture",
)
SUPPORT_LABELS = {
    "cv_and_letters": "CV and letters", "interview_practice": "interview practice",
    "professional_network": "professional network", "language_practice": "language practice",
    "job_search_strategy": "job search strategy", "digital_skills": "digital skills",
    "workplace_culture": "workplace culture",
}


def level_rank(level: str) -> int:
    """0 for A1 up to 6 for native; comparing ranks compares levels."""
    try:
        return CEFR_LEVELS.index(level)
    except ValueError:
        raise ValueError(f"{level!r} is not a language level; use one of {', '.join(CEFR_LEVELS)}") from None


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


# --- postcode areas ----------------------------------------------------------------------

_BE = re.compile(r"^[1-9]\d{3}$")
_FR = re.compile(r"^(\d{5}|2[AB]\d{3})$")
# The letter pair is optional: some forms only ask for the numeric part.
_NL = re.compile(r"^[1-9]\d{3}(\s?[A-Z]{2})?$")
AREA_PATTERN = re.compile(r"^(BE|FR|NL)-[0-9A-Z]{2,3}$")


def postcode_area(country: str, postcode: str) -> str:
    """The coarse area an event carries instead of the postcode: "BE-10", "FR-93", "NL-30"."""
    country = (country or "").strip().upper()
    code = (postcode or "").strip().upper()
    if country == "BE":
        if not _BE.match(code):
            raise ValueError(f"{postcode!r} is not a Belgian postcode: expected 4 digits, such as 1030")
        return "BE-" + code[:2]
    if country == "FR":
        return "FR-" + _department(postcode, code)
    if country == "NL":
        if not _NL.match(code):
            raise ValueError(f"{postcode!r} is not a Dutch postcode: expected 4 digits and 2 letters, such as 3011 AB")
        return "NL-" + code[:2]
    raise ValueError(f"{country!r} is not a country the programme works in; use BE, FR or NL")


def _department(raw: str, code: str) -> str:
    if not _FR.match(code):
        raise ValueError(f"{raw!r} is not a French postcode: expected 5 digits, such as 93200")
    if code[:2] in ("2A", "2B"):
        return code[:2]
    if code.startswith("20"):
        # Corsica shares the "20" prefix: 200xx-201xx is Corse-du-Sud, the rest Haute-Corse.
        return "2A" if code[2] in "01" else "2B"
    if code.startswith("97"):
        if code[2] not in "12345678":
            raise ValueError(f"{raw!r} is not a French postcode: no overseas department {code[:3]}")
        return code[:3]
    if code[:2] in ("00", "96", "98", "99"):
        raise ValueError(f"{raw!r} is not a French postcode: no department {code[:2]}")
    return code[:2]


# Approximate centroids (latitude, longitude) of populated parts of each area; coarse on purpose.
_CENTROIDS: dict[str, tuple[float, float]] = {}


def _table(country: str, rows: str) -> None:
    for item in rows.split():
        key, lat, lon = item.split(":")
        _CENTROIDS[f"{country}-{key}"] = (float(lat), float(lon))


_table("BE", """
10:50.860:4.345 11:50.825:4.395 12:50.850:4.405 13:50.715:4.610 14:50.600:4.330 15:50.735:4.240
16:50.780:4.185 17:50.870:4.220 18:50.930:4.430 19:50.885:4.500 20:51.220:4.400 21:51.210:4.460
22:51.180:4.830 23:51.320:4.940 24:51.190:5.110 25:51.130:4.570 26:51.170:4.460 27:51.100:4.500
28:51.030:4.480 29:51.300:4.500 30:50.880:4.700 31:50.970:4.630 32:50.980:4.840 33:50.810:4.940
34:50.750:5.080 35:50.930:5.340 36:50.970:5.500 37:50.780:5.460 38:50.820:5.190 39:51.200:5.300
40:50.630:5.570 41:50.580:5.500 42:50.670:5.200 43:50.700:5.250 44:50.630:5.450 45:50.520:5.240
46:50.740:5.690 47:50.630:6.030 48:50.590:5.860 49:50.460:5.960 50:50.470:4.870 51:50.450:4.900
52:50.400:4.950 53:50.450:5.050 54:50.300:4.750 55:50.260:4.910 56:50.200:4.540 57:50.250:4.800
58:50.300:4.900 59:50.350:5.000 60:50.410:4.440 61:50.400:4.350 62:50.460:4.500 63:50.300:4.400
64:50.050:4.320 65:50.410:4.170 66:50.000:5.720 67:49.680:5.810 68:49.920:5.380 69:50.230:5.340
70:50.450:3.950 71:50.480:4.190 72:50.440:3.870 73:50.430:3.790 74:50.520:3.700 75:50.610:3.390
76:50.510:3.590 77:50.740:3.210 78:50.630:3.780 79:50.550:3.650 80:51.210:3.220 81:51.150:3.050
82:51.190:3.180 83:51.340:3.270 84:51.220:2.920 85:50.830:3.270 86:51.070:2.660 87:50.980:3.330
88:50.950:3.120 89:50.850:2.880 90:51.050:3.720 91:51.160:4.140 92:51.030:4.100 93:50.940:4.040
94:50.830:4.020 95:50.770:3.880 96:50.770:3.600 97:50.850:3.610 98:50.980:3.530 99:51.190:3.560
""")
_table("FR", """
75:48.857:2.347 77:48.630:2.930 78:48.800:1.850 91:48.520:2.240 92:48.850:2.230 93:48.910:2.480
94:48.780:2.470 95:49.080:2.130 59:50.550:3.150 62:50.490:2.400 02:49.560:3.620 60:49.410:2.420
80:49.890:2.300 13:43.400:5.250 83:43.450:6.220 84:44.000:5.150 04:44.090:6.240 30:43.840:4.360
69:45.780:4.780 01:46.100:5.350 38:45.260:5.580 42:45.730:4.170 26:44.930:4.890 07:44.730:4.600
71:46.780:4.850 73:45.570:5.920 74:45.900:6.130 33:44.840:-0.580 31:43.600:1.440 67:48.580:7.750
68:47.750:7.340 57:49.120:6.180 54:48.690:6.180 44:47.220:-1.550 35:48.110:-1.680 34:43.610:3.880
06:43.700:7.270 45:47.900:1.900 28:48.440:1.490 27:49.020:1.150 76:49.440:1.100 2A:41.930:8.740
2B:42.700:9.450 971:16.250:-61.580 972:14.640:-61.020 973:4.940:-52.330 974:-20.880:55.450
976:-12.780:45.230
""")
_table("NL", """
10:52.370:4.900 11:52.310:4.930 12:52.220:5.170 13:52.370:5.220 14:52.400:4.950 15:52.440:4.820
16:52.640:5.060 17:52.700:4.830 18:52.630:4.750 19:52.490:4.660 20:52.380:4.640 21:52.320:4.600
22:52.230:4.450 23:52.160:4.490 24:52.130:4.660 25:52.080:4.300 26:52.030:4.400 27:52.060:4.490
28:52.020:4.710 29:51.930:4.620 30:51.920:4.480 31:51.910:4.370 32:51.840:4.300 33:51.810:4.670
34:52.030:5.080 35:52.090:5.120 36:52.140:5.030 37:52.090:5.230 38:52.160:5.390 39:52.030:5.560
40:51.890:5.430 41:51.950:5.230 42:51.830:4.970 43:51.650:3.920 44:51.500:3.890 45:51.340:3.830
46:51.490:4.290 47:51.530:4.460 48:51.590:4.780 49:51.640:4.860 50:51.560:5.090 51:51.650:5.020
52:51.690:5.300 53:51.810:5.250 54:51.660:5.620 55:51.420:5.400 56:51.440:5.480 57:51.480:5.660
58:51.530:5.980 59:51.370:6.170 60:51.250:5.710 61:51.000:5.870 62:50.850:5.690 63:50.880:5.850
64:50.890:5.980 65:51.840:5.860 66:51.810:5.720 67:52.030:5.660 68:51.980:5.910 69:51.930:6.070
70:51.960:6.290 71:51.970:6.720 72:52.140:6.200 73:52.210:5.970 74:52.250:6.160 75:52.220:6.890
76:52.360:6.660 77:52.580:6.620 78:52.780:6.900 79:52.720:6.480 80:52.510:6.090 81:52.400:6.270
82:52.520:5.470 83:52.710:5.750 84:52.960:5.920 85:52.970:5.680 86:53.030:5.660 87:53.060:5.530
88:53.170:5.420 89:53.200:5.790 90:53.250:5.950 91:53.320:6.000 92:53.110:6.100 93:53.140:6.430
94:52.990:6.560 95:52.990:6.950 96:53.160:6.760 97:53.220:6.570 98:53.300:6.450 99:53.320:6.860
""")

# Returned when an area is not in the table: far enough to count as "too far to meet weekly"
# (distance scoring reaches 0 at 60 km) without ever raising in the middle of a matching round.
UNKNOWN_DISTANCE_KM = 150.0
_EARTH_RADIUS_KM = 6371.0


def area_distance_km(a: str, b: str) -> float:
    """Approximate great-circle distance between two areas' centroids (haversine)."""
    if a == b:
        return 0.0
    pa, pb = _CENTROIDS.get(a), _CENTROIDS.get(b)
    if pa is None or pb is None:
        return UNKNOWN_DISTANCE_KM
    lat1, lon1, lat2, lon2 = map(math.radians, (*pa, *pb))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def known_area(area: str) -> bool:
    return area in _CENTROIDS


# --- ages --------------------------------------------------------------------------------

_BANDS = ((18, "00-17"), (25, "18-24"), (30, "25-29"), (34, "30-33"), (50, "34-49"), (60, "50-59"),
          (70, "60-69"))


def age_on(birth_date: date, on: date) -> int:
    """Completed years on a day. Someone born on 29 February turns a year older on 1 March
    in common years (their birthday has not yet come on 28 February)."""
    if on < birth_date:
        raise ValueError("the birth date is after the day the age is asked for")
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


def age_band(birth_date: date, on: date) -> str:
    """The coarse band events carry instead of a birth date."""
    age = age_on(birth_date, on)
    for upper, band in _BANDS:
        if age < upper:
            return band
    return "70+"
