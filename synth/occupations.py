"""What the generator knows about occupations beyond the taxonomy: sectors, gender ratios, wording.

The taxonomy gives ids, labels, SSYK4 codes and relatedness. Realistic data also needs to know
which trades newly arrived people bring, which sectors post praktik places, how gender-typed
an occupation is (SCB's 2024 women share per SSYK4, rounded), what schedule and Swedish level
a workplace expects, and how a person would *say* the trade. That knowledge is kept here per
SSYK4 code, so any taxonomy whose occupations carry SSYK4 codes (the bundled demo or a full
import) gets it; codes not listed fall back to their major group's defaults.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np
import numpy.typing as npt

from matcher.domain import DrivingLicence, Gender, WorkSchedule

# --------------------------------------------------------------------------- taxonomy protocol


class OccupationLike(Protocol):
    """The fields of ``matcher.taxonomy.Occupation`` the generator reads."""

    @property
    def id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def ssyk4(self) -> str: ...
    @property
    def alt_labels(self) -> Sequence[str]: ...
    @property
    def no_education_required(self) -> bool: ...


class TaxonomyLike(Protocol):
    """The part of ``matcher.taxonomy.Taxonomy`` the generator reads."""

    @property
    def occupation_ids(self) -> Sequence[str]: ...
    @property
    def relatedness_matrix(self) -> npt.NDArray[np.float32]: ...
    def occupation(self, occupation_id: str) -> OccupationLike: ...
    def index_of(self, occupation_id: str) -> int: ...


# --------------------------------------------------------------------------- sectors

S = WorkSchedule


class Sector(StrEnum):
    CONSTRUCTION = "construction"
    TRANSPORT = "transport"
    WAREHOUSE = "warehouse"
    CARE = "care"
    CHILDCARE = "childcare"
    CLEANING = "cleaning"
    RESTAURANT = "restaurant"
    RETAIL = "retail"
    MANUFACTURING = "manufacturing"
    FARMING = "farming"
    MECHANICS = "mechanics"
    CRAFTS = "crafts"
    EDUCATION = "education"
    SERVICE = "service"
    OTHER = "other"


@dataclass(frozen=True)
class SectorProfile:
    """How workplaces of a sector look: wording, hours, language demands, physical load.

    ``steered_gender`` is the gender past coaches pushed towards the sector (the historical
    bias the generator can switch off), ``heavy`` marks physically heavy work where step-free
    access and light duties are rarely on offer.
    """

    label_sv: str
    employer_words: tuple[str, ...]
    tasks_sv: str
    schedules: Mapping[WorkSchedule, float]
    min_swedish_mean: float
    heavy: bool
    steered_gender: Gender | None = None


SECTORS: dict[Sector, SectorProfile] = {
    Sector.CONSTRUCTION: SectorProfile(
        "bygg och anläggning", ("Bygg", "Byggservice", "Entreprenad", "Mark & Bygg"),
        "Arbetet omfattar förekommande uppgifter på byggarbetsplatsen tillsammans med erfarna "
        "kollegor.", {S.DAYTIME: 0.85, S.MORNINGS: 0.1, S.FLEXIBLE: 0.05}, 1.6, True, Gender.MAN,
    ),
    Sector.TRANSPORT: SectorProfile(
        "transport", ("Transport", "Åkeri", "Logistik", "Frakt"),
        "Du kör och lastar gods och har kontakt med kunder längs turen.",
        {S.DAYTIME: 0.4, S.MORNINGS: 0.2, S.SHIFTS: 0.3, S.NIGHTS: 0.1}, 2.6, True, Gender.MAN,
    ),
    Sector.WAREHOUSE: SectorProfile(
        "lager och logistik", ("Logistik", "Lager", "Terminal", "Distribution"),
        "Du plockar, packar och tar emot gods på lagret.",
        {S.DAYTIME: 0.35, S.SHIFTS: 0.35, S.NIGHTS: 0.15, S.EVENINGS: 0.15}, 1.8, True, Gender.MAN,
    ),
    Sector.CARE: SectorProfile(
        "vård och omsorg", ("Omsorg", "Vård & Omsorg", "Hemtjänst", "Äldreboende"),
        "Du stöttar äldre och personer med funktionsnedsättning i vardagen, med "
        "omvårdnad och social samvaro.",
        {S.DAYTIME: 0.3, S.SHIFTS: 0.45, S.EVENINGS: 0.15, S.NIGHTS: 0.1}, 3.4, False, Gender.WOMAN,
    ),
    Sector.CHILDCARE: SectorProfile(
        "barnomsorg och skola", ("Förskola", "Skola", "Barn & Fritid"),
        "Du arbetar i barngrupp tillsammans med pedagoger och hjälper till i den dagliga "
        "verksamheten.", {S.DAYTIME: 0.8, S.MORNINGS: 0.1, S.AFTERNOONS: 0.1}, 3.3, False,
        Gender.WOMAN,
    ),
    Sector.CLEANING: SectorProfile(
        "städ och lokalvård", ("Städ", "Städservice", "Lokalvård", "Clean"),
        "Du städar kontor, trapphus och offentliga lokaler enligt en fast plan.",
        {S.MORNINGS: 0.35, S.EVENINGS: 0.3, S.DAYTIME: 0.3, S.FLEXIBLE: 0.05}, 1.4, True,
        Gender.WOMAN,
    ),
    Sector.RESTAURANT: SectorProfile(
        "restaurang och kök", ("Restaurang", "Kök & Bar", "Catering", "Storkök"),
        "Du förbereder mat, diskar och håller ordning i köket.",
        {S.DAYTIME: 0.3, S.EVENINGS: 0.35, S.SHIFTS: 0.3, S.MORNINGS: 0.05}, 1.9, False,
    ),
    Sector.RETAIL: SectorProfile(
        "handel", ("Livs", "Handel", "Butik", "Marknad"),
        "Du fyller på varor, hjälper kunder och arbetar i kassan.",
        {S.DAYTIME: 0.35, S.SHIFTS: 0.35, S.EVENINGS: 0.2, S.AFTERNOONS: 0.1}, 2.8, False,
    ),
    Sector.MANUFACTURING: SectorProfile(
        "industri och produktion", ("Industri", "Produktion", "Plast", "Mekaniska"),
        "Du arbetar i produktionen med packning, montering och kvalitetskontroll.",
        {S.DAYTIME: 0.4, S.SHIFTS: 0.45, S.NIGHTS: 0.15}, 1.8, True,
    ),
    Sector.FARMING: SectorProfile(
        "jordbruk och trädgård", ("Gård", "Trädgård", "Lantbruk", "Odling"),
        "Du arbetar med odling, skörd och skötsel av djur eller grönytor.",
        {S.DAYTIME: 0.7, S.MORNINGS: 0.2, S.FLEXIBLE: 0.1}, 1.2, True,
    ),
    Sector.MECHANICS: SectorProfile(
        "fordon och mekanik", ("Bilservice", "Motor", "Verkstad", "Däck & Service"),
        "Du utför service och reparationer på fordon och maskiner i verkstaden.",
        {S.DAYTIME: 0.9, S.FLEXIBLE: 0.1}, 2.0, True,
    ),
    Sector.CRAFTS: SectorProfile(
        "hantverk", ("Design", "Ateljé", "Hantverk", "Salong"),
        "Du arbetar med hantverket i vår ateljé och möter kunder.",
        {S.DAYTIME: 0.7, S.FLEXIBLE: 0.2, S.AFTERNOONS: 0.1}, 2.2, False,
    ),
    Sector.EDUCATION: SectorProfile(
        "utbildning", ("Skola", "Utbildning", "Studieförbund"),
        "Du stöttar elever i undervisningen, gärna på ditt modersmål.",
        {S.DAYTIME: 0.9, S.MORNINGS: 0.1}, 4.2, False,
    ),
    Sector.SERVICE: SectorProfile(
        "fastighet och service", ("Fastighetsservice", "Service", "Förvaltning", "Trygghet"),
        "Du sköter enklare underhåll, tillsyn och service i våra fastigheter.",
        {S.DAYTIME: 0.7, S.SHIFTS: 0.15, S.EVENINGS: 0.15}, 2.4, True,
    ),
    Sector.OTHER: SectorProfile(
        "service och administration", ("Kontor", "Service", "Tjänster"),
        "Du arbetar med varierande uppgifter i vår verksamhet.",
        {S.DAYTIME: 0.8, S.FLEXIBLE: 0.2}, 3.0, False,
    ),
}

# --------------------------------------------------------------------------- SSYK4 profiles


@dataclass(frozen=True)
class SsykProfile:
    """Generator knowledge about one SSYK4 group.

    ``trade_weight`` is how common the trade is among newly arrived participants,
    ``opening_weight`` how often programme employers post it; ``spoken`` holds ways a person
    says the trade, ``ad_titles`` other titles employers use for it (so an ad for a
    "Träarbetare" need never say "snickare"); ``licences`` are alternatives an employer
    requires with probability ``licence_share``.
    """

    ssyk4: str
    sector: Sector
    women_share: float
    trade_weight: float
    opening_weight: float
    spoken: tuple[str, ...] = ()
    ad_titles: tuple[str, ...] = ()
    licences: tuple[DrivingLicence, ...] = ()
    licence_share: float = 0.0


L = DrivingLicence
_C = Sector

PROFILES: dict[str, SsykProfile] = {
    p.ssyk4: p
    for p in (
        SsykProfile("7111", _C.CONSTRUCTION, 0.02, 3.0, 2.0,
                    ("snickare", "byggare", "jobbade med bygg", "byggjobbare"),
                    ("Byggnadsträarbetare", "Träarbetare", "Byggarbetare")),
        SsykProfile("7112", _C.CONSTRUCTION, 0.03, 2.0, 0.8,
                    ("murare", "murade hus", "byggare"), ("Murare", "Murare/putsare")),
        SsykProfile("7113", _C.CONSTRUCTION, 0.03, 0.8, 0.6,
                    ("betongarbetare", "jobbade med betong"),
                    ("Betongarbetare", "Armeringsarbetare")),
        SsykProfile("7114", _C.CONSTRUCTION, 0.05, 0.5, 0.8,
                    ("vägarbetare", "anläggningsarbetare"), ("Anläggningsarbetare",)),
        SsykProfile("7119", _C.CONSTRUCTION, 0.05, 0.5, 0.5,
                    ("byggarbetare", "byggjobb"), ("Byggarbetare",)),
        SsykProfile("7122", _C.CONSTRUCTION, 0.03, 0.6, 0.4,
                    ("plattsättare", "lade kakel", "golvläggare"), ("Plattsättare", "Golvläggare")),
        SsykProfile("7125", _C.CONSTRUCTION, 0.01, 0.8, 0.3,
                    ("rörmokare", "jobbade med rör", "vvs"), ("VVS-montör", "Rörmontör")),
        SsykProfile("7131", _C.CONSTRUCTION, 0.12, 1.5, 1.0,
                    ("målare", "målade hus", "byggnadsmålare"), ("Byggnadsmålare", "Målare")),
        SsykProfile("7411", _C.CONSTRUCTION, 0.03, 0.8, 0.3,
                    ("elektriker", "jobbade med el"), ("Installationselektriker", "Elektriker")),
        SsykProfile("9310", _C.CONSTRUCTION, 0.06, 0.8, 1.5,
                    ("grovarbetare", "hjälpte till på bygget"),
                    ("Grovarbetare", "Byggarbetare, grovarbete")),
        SsykProfile("8332", _C.TRANSPORT, 0.10, 1.5, 0.8,
                    ("lastbilschaufför", "chaufför", "körde lastbil", "lastbilsförare"),
                    ("Distributionsförare", "Lastbilsförare", "Chaufför"),
                    (L.C, L.CE), 1.0),
        SsykProfile("8331", _C.TRANSPORT, 0.12, 0.8, 0.3,
                    ("busschaufför", "körde buss"), ("Bussförare", "Busschaufför"), (L.D,), 1.0),
        SsykProfile("8321", _C.TRANSPORT, 0.08, 1.5, 0.5,
                    ("taxichaufför", "körde taxi", "taxi"), ("Taxiförare", "Förare, färdtjänst"),
                    (L.B,), 1.0),
        SsykProfile("4322", _C.WAREHOUSE, 0.25, 1.0, 2.0,
                    ("lagerarbetare", "jobbade på lager", "lagerjobb"),
                    ("Lagerarbetare", "Terminalarbetare", "Lagermedarbetare")),
        SsykProfile("9332", _C.WAREHOUSE, 0.11, 0.5, 1.2,
                    ("flyttkarl", "bärare", "varupåfyllare"), ("Varupåfyllare", "Flyttarbetare")),
        SsykProfile("8344", _C.WAREHOUSE, 0.18, 0.6, 0.8,
                    ("truckförare", "körde truck"), ("Truckförare", "Truckförare, lager"),
                    (L.B,), 0.3),
        SsykProfile("5321", _C.CARE, 0.87, 1.2, 2.5,
                    ("undersköterska", "jobbade med äldre", "vårdare"),
                    ("Undersköterska, hemtjänst", "Hemtjänstpersonal"), (L.B,), 0.4),
        SsykProfile("5323", _C.CARE, 0.89, 0.8, 0.5,
                    ("undersköterska", "jobbade på sjukhus"), ("Undersköterska, vårdavdelning",)),
        SsykProfile("5330", _C.CARE, 0.71, 1.5, 3.0,
                    ("vårdbiträde", "tog hand om gamla", "jobbade i vården"),
                    ("Vårdbiträde", "Omsorgsbiträde")),
        SsykProfile("5342", _C.CARE, 0.72, 0.5, 1.0,
                    ("vårdare", "boendestödjare"), ("Boendestödjare", "Stödassistent")),
        SsykProfile("5343", _C.CARE, 0.70, 0.8, 1.5,
                    ("personlig assistent", "assistent"), ("Personlig assistent",)),
        SsykProfile("2221", _C.CARE, 0.88, 0.6, 0.2,
                    ("sjuksköterska", "nurse", "jobbade som sjuksköterska"), ("Sjuksköterska",)),
        SsykProfile("5311", _C.CHILDCARE, 0.91, 1.0, 1.5,
                    ("barnskötare", "jobbade med barn", "förskola"),
                    ("Barnskötare", "Förskolepersonal")),
        SsykProfile("5312", _C.CHILDCARE, 0.65, 0.4, 1.0,
                    ("elevassistent", "assistent i skolan"),
                    ("Elevassistent", "Resursperson i skolan")),
        SsykProfile("9111", _C.CLEANING, 0.73, 1.0, 3.0,
                    ("städare", "städerska", "städade", "lokalvårdare"),
                    ("Lokalvårdare", "Städare", "Lokalvårdare, kontor")),
        SsykProfile("9120", _C.CLEANING, 0.21, 0.5, 0.8,
                    ("biltvätt", "fönsterputsare", "tvättade bilar"),
                    ("Bilrekonditionerare", "Biltvättare", "Fönsterputsare")),
        SsykProfile("5120", _C.RESTAURANT, 0.49, 2.0, 1.8,
                    ("kock", "lagade mat", "jobbade i restaurang"),
                    ("Kock", "Kock, storkök", "Kallskänka")),
        SsykProfile("9412", _C.RESTAURANT, 0.59, 1.2, 2.5,
                    ("köksbiträde", "diskare", "jobbade i kök"),
                    ("Restaurangbiträde", "Köksbiträde", "Diskare")),
        SsykProfile("9411", _C.RESTAURANT, 0.21, 1.0, 1.2,
                    ("pizzabagare", "jobbade på pizzeria"), ("Pizzabagare",)),
        SsykProfile("9413", _C.RESTAURANT, 0.79, 0.4, 0.8,
                    ("kafébiträde", "jobbade på kafé"), ("Kafébiträde", "Baristabiträde")),
        SsykProfile("5131", _C.RESTAURANT, 0.62, 0.6, 0.8,
                    ("servitör", "servitris"), ("Servitör/servitris",)),
        SsykProfile("7612", _C.RESTAURANT, 0.52, 1.0, 0.6,
                    ("bagare", "bakade bröd"), ("Bagare", "Bageriarbetare")),
        SsykProfile("5222", _C.RETAIL, 0.64, 1.5, 2.0,
                    ("säljare", "jobbade i affär", "butik"),
                    ("Butiksbiträde", "Butikssäljare, dagligvaror", "Butiksmedarbetare")),
        SsykProfile("5223", _C.RETAIL, 0.62, 1.5, 1.0,
                    ("försäljare", "sålde kläder", "hade egen butik"),
                    ("Butikssäljare", "Säljare, fackhandel")),
        SsykProfile("5230", _C.RETAIL, 0.67, 0.5, 0.8,
                    ("kassörska", "jobbade i kassan"), ("Kassabiträde", "Kassapersonal")),
        SsykProfile("9520", _C.RETAIL, 0.30, 0.8, 0.1,
                    ("marknadsförsäljare", "sålde på marknaden"), ("Torgförsäljare",)),
        SsykProfile("9320", _C.MANUFACTURING, 0.38, 1.0, 1.5,
                    ("fabriksarbetare", "jobbade i fabrik"),
                    ("Produktionsmedarbetare", "Fabriksarbetare", "Packare")),
        SsykProfile("8181", _C.MANUFACTURING, 0.35, 0.4, 0.6,
                    ("maskinoperatör", "packade varor"), ("Maskinoperatör, packning",)),
        SsykProfile("7212", _C.MANUFACTURING, 0.05, 1.0, 0.5,
                    ("svetsare", "svetsade"), ("Svetsare", "MIG/MAG-svetsare")),
        SsykProfile("7611", _C.MANUFACTURING, 0.15, 0.6, 0.4,
                    ("slaktare", "styckare"), ("Styckare", "Charkuteriarbetare")),
        SsykProfile("6111", _C.FARMING, 0.18, 1.5, 0.3,
                    ("bonde", "jordbrukare", "odlade på landet"), ("Odlare", "Lantbruksarbetare")),
        SsykProfile("6121", _C.FARMING, 0.54, 1.2, 0.4,
                    ("herde", "djurskötare", "skötte djur"),
                    ("Djurskötare", "Lantbruksarbetare, djur")),
        SsykProfile("6113", _C.FARMING, 0.28, 0.8, 1.0,
                    ("trädgårdsarbetare", "jobbade i trädgård"),
                    ("Trädgårdsarbetare", "Anläggningsträdgårdsarbetare")),
        SsykProfile("9210", _C.FARMING, 0.37, 0.8, 0.8,
                    ("plockade frukt", "jordbruksarbetare"),
                    ("Säsongsarbetare, bärplockning", "Plantör")),
        SsykProfile("7231", _C.MECHANICS, 0.04, 2.0, 0.8,
                    ("bilmekaniker", "mekaniker", "lagade bilar"),
                    ("Bilmekaniker", "Fordonsmekaniker", "Servicetekniker, fordon")),
        SsykProfile("7233", _C.MECHANICS, 0.06, 0.6, 0.3,
                    ("mekaniker", "reparatör"), ("Underhållsmekaniker", "Maskinreparatör")),
        SsykProfile("7531", _C.CRAFTS, 0.72, 1.2, 0.15,
                    ("skräddare", "sömmerska", "sydde kläder"), ("Skräddare", "Sömmerska")),
        SsykProfile("7532", _C.CRAFTS, 0.54, 0.8, 0.1,
                    ("sömmare", "syerska"), ("Sömmare", "Textilarbetare")),
        SsykProfile("5141", _C.CRAFTS, 0.78, 1.2, 0.4,
                    ("frisör", "frisörska", "klippte hår"), ("Frisör", "Frisörlärling")),
        SsykProfile("7522", _C.CRAFTS, 0.07, 0.6, 0.2,
                    ("möbelsnickare", "gjorde möbler"), ("Möbelsnickare", "Inredningssnickare")),
        SsykProfile("2341", _C.EDUCATION, 0.74, 0.8, 0.1,
                    ("lärare", "undervisade barn", "lärare i hemlandet"), ("Lärare, grundskola",)),
        SsykProfile("2643", _C.EDUCATION, 0.67, 0.3, 0.2,
                    ("tolk", "översättare"), ("Tolk", "Kontakttolk")),
        SsykProfile("9622", _C.SERVICE, 0.22, 0.5, 1.0,
                    ("vaktmästare",), ("Vaktmästare", "Fastighetsvaktmästare")),
        SsykProfile("5152", _C.SERVICE, 0.17, 0.6, 0.8,
                    ("fastighetsskötare", "fixade i huset"), ("Fastighetsskötare",)),
        SsykProfile("5413", _C.SERVICE, 0.27, 0.4, 0.3,
                    ("väktare", "vakt"), ("Väktare", "Ordningsvakt")),
        SsykProfile("9629", _C.SERVICE, 0.43, 0.4, 1.0,
                    ("servicearbetare",), ("Servicemedarbetare",)),
        SsykProfile("9610", _C.SERVICE, 0.14, 0.3, 0.6,
                    ("sophämtare", "jobbade med sopor"),
                    ("Renhållningsarbetare", "Återvinningsarbetare")),
        SsykProfile("5419", _C.SERVICE, 0.36, 0.1, 0.2,
                    ("badvakt", "livräddare"), ("Badvakt", "Simhallspersonal")),
        SsykProfile("2343", _C.CHILDCARE, 0.96, 0.5, 0.2,
                    ("förskollärare", "lärare för små barn"), ("Förskollärare",)),
        SsykProfile("9119", _C.CHILDCARE, 0.79, 0.5, 0.2,
                    ("barnvakt", "tog hand om barn"), ("Barnvakt", "Hemservicepersonal")),
        SsykProfile("5341", _C.CARE, 0.63, 0.3, 0.4,
                    ("skötare", "jobbade på sjukhus"), ("Skötare, psykiatri", "Mentalskötare")),
        SsykProfile("5151", _C.CLEANING, 0.71, 0.2, 0.2,
                    ("arbetsledare städ",), ("Städledare", "Arbetsledare, lokalvård")),
        SsykProfile("4321", _C.WAREHOUSE, 0.25, 0.2, 0.2,
                    ("arbetsledare", "förman på lager"),
                    ("Arbetsledare, lager", "Teamledare, lager")),
        SsykProfile("8329", _C.TRANSPORT, 0.12, 0.8, 0.8,
                    ("chaufför", "körde bil", "budbilsförare"),
                    ("Budbilsförare", "Chaufför, personbil"), (L.B,), 1.0),
        SsykProfile("8341", _C.FARMING, 0.06, 0.8, 0.3,
                    ("traktorförare", "körde traktor"),
                    ("Traktorförare", "Maskinförare, lantbruk"), (L.B,), 0.5),
        SsykProfile("6112", _C.FARMING, 0.44, 1.0, 0.6,
                    ("trädgårdsodlare", "odlade grönsaker"), ("Växthusarbetare", "Odlingsarbetare")),
        SsykProfile("7412", _C.MECHANICS, 0.07, 0.4, 0.2,
                    ("elektriker", "elmontör"), ("Industrielektriker", "Elmontör")),
        SsykProfile("8159", _C.MANUFACTURING, 0.48, 0.8, 0.2,
                    ("sömmerska", "sydde i fabrik"), ("Industrisömmerska", "Maskinsömmerska")),
        SsykProfile("8213", _C.MANUFACTURING, 0.22, 0.4, 0.6,
                    ("montör", "jobbade på däckverkstad"), ("Montör", "Däckmontör")),
        SsykProfile("4222", _C.OTHER, 0.58, 0.3, 0.4,
                    ("kundtjänst", "jobbade med kunder"),
                    ("Kundtjänstmedarbetare", "Kundservicemedarbetare")),
        SsykProfile("4224", _C.OTHER, 0.70, 0.3, 0.3,
                    ("receptionist på hotell", "jobbade på hotell"),
                    ("Hotellreceptionist", "Hotellvärd/hotellvärdinna")),
        SsykProfile("4225", _C.OTHER, 0.80, 0.3, 0.2,
                    ("receptionist",), ("Receptionist", "Receptionspersonal")),
    )
}

#: Defaults by SSYK major group (first digit) for codes without a profile: a mixed-gender
#: occupation that newly arrived people rarely bring and programmes rarely post.
_MAJOR_GROUP_SECTOR: dict[str, Sector] = {
    "5": Sector.SERVICE,
    "6": Sector.FARMING,
    "7": Sector.CONSTRUCTION,
    "8": Sector.MANUFACTURING,
    "9": Sector.SERVICE,
}
_DEFAULT_TRADE_WEIGHT = 0.01
_DEFAULT_OPENING_WEIGHT = 0.01


def profile_for(ssyk4: str) -> SsykProfile:
    """The profile of an SSYK4 code, or its major group's default."""
    found = PROFILES.get(ssyk4)
    if found is not None:
        return found
    sector = _MAJOR_GROUP_SECTOR.get(ssyk4[:1], Sector.OTHER)
    return SsykProfile(ssyk4, sector, 0.5, _DEFAULT_TRADE_WEIGHT, _DEFAULT_OPENING_WEIGHT)


# --------------------------------------------------------------------------- aligned table

SECTOR_LIST: tuple[Sector, ...] = tuple(Sector)


@dataclass(frozen=True)
class OccupationTable:
    """Per-occupation arrays aligned with the taxonomy's relatedness matrix rows."""

    ids: npt.NDArray[np.object_]
    labels: tuple[str, ...]
    ssyk4: tuple[str, ...]
    alt_labels: tuple[tuple[str, ...], ...]
    sector: npt.NDArray[np.int8]  # index into SECTOR_LIST
    women_share: npt.NDArray[np.float64]
    trade_weight: npt.NDArray[np.float64]
    opening_weight: npt.NDArray[np.float64]
    no_education_required: npt.NDArray[np.bool_]
    relatedness: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def profiles(self) -> tuple[SsykProfile, ...]:
        return tuple(profile_for(code) for code in self.ssyk4)

    def sector_mask(self, sectors: frozenset[Sector]) -> npt.NDArray[np.bool_]:
        """Which occupations belong to any of ``sectors``."""
        wanted = np.array([s in sectors for s in SECTOR_LIST])
        return wanted[self.sector]

    @classmethod
    def from_taxonomy(cls, taxonomy: TaxonomyLike) -> OccupationTable:
        """Order occupations by the taxonomy's index so row ``i`` matches the matrix row ``i``."""
        ids = sorted(taxonomy.occupation_ids, key=taxonomy.index_of)
        occupations = [taxonomy.occupation(i) for i in ids]
        if not occupations:
            raise ValueError("the taxonomy has no occupations to generate data with")
        relatedness = np.asarray(taxonomy.relatedness_matrix, dtype=np.float32)
        if relatedness.shape != (len(occupations), len(occupations)):
            raise ValueError(
                f"relatedness matrix shape {relatedness.shape} does not match "
                f"{len(occupations)} occupations"
            )
        profiles = [profile_for(o.ssyk4) for o in occupations]
        # A group's weight is shared by its occupation names, so a taxonomy listing ten
        # names for 7111 does not make carpentry ten times as common.
        group_size = Counter(o.ssyk4 for o in occupations)
        share = np.array([1.0 / group_size[o.ssyk4] for o in occupations])
        return cls(
            ids=np.array([o.id for o in occupations], dtype=object),
            labels=tuple(o.label for o in occupations),
            ssyk4=tuple(o.ssyk4 for o in occupations),
            alt_labels=tuple(tuple(o.alt_labels) for o in occupations),
            sector=np.array([SECTOR_LIST.index(p.sector) for p in profiles], dtype=np.int8),
            women_share=np.array([p.women_share for p in profiles]),
            trade_weight=np.array([p.trade_weight for p in profiles]) * share,
            opening_weight=np.array([p.opening_weight for p in profiles]) * share,
            no_education_required=np.array([bool(o.no_education_required) for o in occupations]),
            relatedness=relatedness,
        )
