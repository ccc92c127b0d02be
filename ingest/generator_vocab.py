"""Word lists for the synthetic data generator.

Everything here is invented or generic: common given names and common family names that are
combined at random (never taken from real records), fictional towns and postcode areas,
street names built from common parts, and report phrasing. Names are grouped by cultural
background and era so households look plausible, and family names are listed roughly from
most to least common so the generator can give them a realistic, heavy-tailed frequency
(many distinct people called Smith is exactly what makes entity resolution hard).
"""

from __future__ import annotations

from typing import Final


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# ---------------------------------------------------------------------------------- names

BRITISH_MALE_OLDER: Final = _words(
    "David John Michael Paul Andrew Mark Stephen Peter Robert Richard Christopher Ian Gary "
    "Kevin Anthony William James Thomas Darren Lee Wayne Craig Neil Simon Martin Jason Shaun "
    "Dean Keith Brian Colin Barry Terence Raymond Kenneth Philip Alan Graham Trevor Derek "
    "Gareth Carl Stuart Nigel Russell Glenn Tony Terry Leonard Ronald Gerald Edward Charles"
)
BRITISH_MALE_YOUNGER: Final = _words(
    "Daniel Matthew Thomas James Joshua Ryan Jack Luke Adam Liam Callum Jordan Kyle Jamie "
    "Connor Nathan Samuel Benjamin Lewis Aaron Bradley Scott Kieran Joseph Alexander Jake "
    "Reece Dominic Jonathan Nicholas William Robert Michael Christopher Anthony Danny Ben "
    "Jacob Zachary Harrison Elliot Billy Owen Ashley Shane Dale Kane Stephen Gregory"
)
BRITISH_MALE_CHILD: Final = _words(
    "Oliver Harry George Noah Jack Leo Arthur Oscar Charlie Jacob Freddie Alfie Theo Archie "
    "Henry Thomas Joshua William Max Ethan Logan Mason Lucas Riley Isaac Finley Teddy Reggie "
    "Tommy Alexander Samuel Daniel James Joseph Dylan Frankie Albie Ronnie Louie Jaxon"
)
BRITISH_FEMALE_OLDER: Final = _words(
    "Susan Karen Julie Tracey Sharon Elizabeth Margaret Patricia Linda Deborah Jacqueline "
    "Catherine Christine Amanda Joanne Nicola Michelle Lisa Dawn Angela Helen Sarah Alison "
    "Wendy Diane Beverley Kerry Joan Janet Carol Maureen Pauline Sandra Lorraine Kathleen "
    "Jennifer Rebecca Samantha Victoria Kimberley Denise Gillian Tina Donna Claire Louise"
)
BRITISH_FEMALE_YOUNGER: Final = _words(
    "Rebecca Emma Laura Sophie Jessica Hannah Charlotte Amy Gemma Stacey Danielle Chloe "
    "Lauren Natalie Hayley Kirsty Jade Leanne Zoe Katie Rachel Abigail Bethany Megan "
    "Samantha Catherine Elizabeth Victoria Kimberley Shannon Courtney Jasmine Melissa "
    "Jodie Kayleigh Holly Georgia Amber Becky Jenna Toni Carly Nicole Kelly"
)
BRITISH_FEMALE_CHILD: Final = _words(
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Evie Poppy Ella Willow "
    "Florence Rosie Daisy Phoebe Sienna Matilda Ruby Emily Millie Harper Esme Maisie Elsie "
    "Layla Evelyn Charlotte Alice Lola Hallie Ellie Skye Lacey Scarlett"
)

BRITISH_FAMILY: Final = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson Wood "
    "Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
    "James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly "
    "Cook Carter Richardson Bailey Collins Bell Shaw Miller Cox Richards Marshall Anderson "
    "Simpson Ellis Adams Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Hunt Palmer "
    "Holt Barker Lloyd Butler Russell Barnes Knight Stevens Fisher Dixon Spencer Mills "
    "Pearson Hayes Stone Fletcher Sutton Lowe Hart Pritchard Heath Gibbs Booth Hudson Bird "
    "Newman Atkinson Lamb Bolton Hobbs Dawson Burton Fox Rowe Pearce Carr Harvey Wells "
    "Buckley Jennings Lambert Sharp Nash Slater Kirby Parsons Hammond Frost Parkinson "
    "Cartwright Bradshaw Whitehead Howarth Crossley Ashworth Thornton Sykes Dyson Gregory "
    "Lawson Marsden Holden Hirst Pickering Kershaw Platt Greenwood Horrocks Entwistle"
)

SOUTH_ASIAN_MALE: Final = _words(
    "Mohammed Imran Asif Tariq Zubair Amir Hassan Bilal Rizwan Sajid Arjun Rahul Sanjay "
    "Vikram Harjit Jaspal Ravi Yusuf Ibrahim Ayaan Zayn Rayyan Kamran Naveed Deepak Amarjit"
)
SOUTH_ASIAN_FEMALE: Final = _words(
    "Fatima Aisha Ayesha Nadia Shabana Samina Priya Anjali Sunita Manjit Harpreet Nisha "
    "Zara Maryam Amira Inaya Hafsa Rukhsana Parveen Meena Simran Alisha"
)
SOUTH_ASIAN_FAMILY: Final = _words(
    "Khan Ahmed Ali Hussain Patel Shah Iqbal Akhtar Mahmood Rashid Singh Sharma Gill Sandhu "
    "Mistry Chaudhry Malik Rahman Aziz Bashir Kaur Begum Mirza Parmar"
)

POLISH_MALE: Final = _words(
    "Piotr Tomasz Pawel Krzysztof Marcin Lukasz Michal Jakub Kamil Mateusz Wojciech Adam "
    "Marek Andrzej Dawid Szymon Bartosz Filip Grzegorz Rafal"
)
POLISH_FEMALE: Final = _words(
    "Anna Katarzyna Agnieszka Magdalena Joanna Monika Ewa Karolina Aleksandra Natalia "
    "Zuzanna Julia Maja Marta Paulina Beata Dorota"
)
POLISH_FAMILY: Final = _words(
    "Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski "
    "Wozniak Dabrowski Kozlowski Mazur Krawczyk Kaczmarek Piotrowski Grabowski Pawlak"
)

AFRICAN_CARIBBEAN_MALE: Final = _words(
    "Emmanuel Samuel Daniel Kwame Kofi Chinedu Tunde Femi Kwabena Joseph David Isaac "
    "Tyrone Marcus Jermaine Darnell Andre Leon Delroy Winston Kayode Obinna"
)
AFRICAN_CARIBBEAN_FEMALE: Final = _words(
    "Grace Blessing Abena Adaeze Chiamaka Ngozi Precious Esther Ruth Shanice Tanisha "
    "Keisha Chantelle Marcia Yvonne Abigail Folake Akosua"
)
AFRICAN_CARIBBEAN_FAMILY: Final = _words(
    "Okafor Adeyemi Mensah Osei Boateng Owusu Okoro Adebayo Asante Campbell Francis "
    "Edwards Grant Thomas Williams Brown Clarke Reid Henry Bailey Johnson Douglas"
)

IRISH_MALE: Final = _words(
    "Sean Patrick Declan Ciaran Conor Niall Padraig Eoin Cormac Fergus Liam Brendan Kevin "
    "Dermot Seamus Aidan"
)
IRISH_FEMALE: Final = _words(
    "Siobhan Niamh Aoife Ciara Roisin Orla Maeve Mairead Sinead Grainne Bridget Aisling"
)
IRISH_FAMILY: Final = _words(
    "Murphy Kelly O'Brien O'Connor Byrne Ryan Walsh O'Neill Doyle McCarthy Gallagher Quinn "
    "McLaughlin Doherty Kennedy Lynch Brennan Fitzpatrick Nolan Flanagan McGuire Brady"
)

# culture -> (weight, male given by era older/younger/child, female likewise, family)
Words = tuple[str, ...]
ByEra = tuple[Words, Words, Words]
CULTURES: Final[dict[str, tuple[float, ByEra, ByEra, Words]]] = {
    "british": (
        0.76,
        (BRITISH_MALE_OLDER, BRITISH_MALE_YOUNGER, BRITISH_MALE_CHILD),
        (BRITISH_FEMALE_OLDER, BRITISH_FEMALE_YOUNGER, BRITISH_FEMALE_CHILD),
        BRITISH_FAMILY,
    ),
    "south_asian": (
        0.09,
        (SOUTH_ASIAN_MALE, SOUTH_ASIAN_MALE, SOUTH_ASIAN_MALE),
        (SOUTH_ASIAN_FEMALE, SOUTH_ASIAN_FEMALE, SOUTH_ASIAN_FEMALE),
        SOUTH_ASIAN_FAMILY,
    ),
    "polish": (
        0.05,
        (POLISH_MALE, POLISH_MALE, POLISH_MALE),
        (POLISH_FEMALE, POLISH_FEMALE, POLISH_FEMALE),
        POLISH_FAMILY,
    ),
    "african_caribbean": (
        0.05,
        (AFRICAN_CARIBBEAN_MALE, AFRICAN_CARIBBEAN_MALE, BRITISH_MALE_CHILD),
        (AFRICAN_CARIBBEAN_FEMALE, AFRICAN_CARIBBEAN_FEMALE, BRITISH_FEMALE_CHILD),
        AFRICAN_CARIBBEAN_FAMILY,
    ),
    "irish": (
        0.05,
        (IRISH_MALE, BRITISH_MALE_YOUNGER, BRITISH_MALE_CHILD),
        (IRISH_FEMALE, BRITISH_FEMALE_YOUNGER, BRITISH_FEMALE_CHILD),
        IRISH_FAMILY,
    ),
}

# given-name pairs that would read as a well-known person; redrawn when they come up
FAMOUS_COMBOS: Final = frozenset(
    {
        ("Harry", "Potter"),
        ("James", "Bond"),
        ("Harry", "Kane"),
        ("Tom", "Jones"),
        ("Gordon", "Brown"),
        ("Chris", "Evans"),
        ("Robbie", "Williams"),
        ("Tony", "Blair"),
        ("John", "Major"),
        ("Boris", "Johnson"),
        ("Emma", "Watson"),
        ("Lewis", "Hamilton"),
        ("Andy", "Murray"),
        ("Jamie", "Oliver"),
        ("Daniel", "Craig"),
        ("Joe", "Root"),
        ("Gary", "Barlow"),
        ("Michael", "Owen"),
        ("Peter", "Kay"),
        ("Paul", "Scholes"),
        ("Mary", "Berry"),
        ("Sam", "Smith"),
        ("Will", "Smith"),
        ("John", "Lewis"),
        ("David", "Walliams"),
        ("Alan", "Shearer"),
        ("Harry", "Styles"),
        ("Ed", "Sheeran"),
        ("Ben", "Stokes"),
        ("Jack", "Grealish"),
        ("Ian", "Wright"),
        ("Kevin", "Keegan"),
        ("Jason", "Statham"),
        ("Michael", "Caine"),
        ("Tom", "Daley"),
        ("Mo", "Farah"),
        ("Kate", "Moss"),
        ("Elizabeth", "Taylor"),
        ("Michael", "Jackson"),
        ("Janet", "Jackson"),
        ("Adam", "Smith"),
        ("John", "Smith"),
    }
)

# formal given name -> familiar forms; the reverse map is built by the generator
NICKNAMES: Final[dict[str, tuple[str, ...]]] = {
    "William": ("Bill", "Billy", "Will", "Liam"),
    "Robert": ("Bob", "Rob", "Bobby", "Robbie"),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty"),
    "Darren": ("Daz",),
    "Catherine": ("Kate", "Cathy", "Cath"),
    "Katherine": ("Kate", "Kathy"),
    "Kathleen": ("Kath", "Kathy"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Anthony": ("Tony", "Ant"),
    "Michael": ("Mick", "Mike", "Micky"),
    "Susan": ("Sue", "Susie"),
    "Rebecca": ("Becky", "Becca"),
    "Richard": ("Rick", "Rich", "Dick"),
    "Thomas": ("Tom", "Tommy"),
    "Christopher": ("Chris", "Kit"),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Joseph": ("Joe", "Joey"),
    "Jonathan": ("Jon", "Johnny"),
    "John": ("Johnny", "Jack"),
    "Stephen": ("Steve", "Stevie"),
    "Andrew": ("Andy", "Drew"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Charles": ("Charlie", "Chas"),
    "Patrick": ("Pat", "Paddy"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Jennifer": ("Jen", "Jenny"),
    "Victoria": ("Vicky", "Tori"),
    "Samantha": ("Sam", "Sammy"),
    "Alexander": ("Alex", "Xander"),
    "Nicholas": ("Nick", "Nicky"),
    "Benjamin": ("Ben", "Benny"),
    "Samuel": ("Sam", "Sammy"),
    "Gareth": ("Gaz",),
    "Gary": ("Gaz",),
    "Barry": ("Baz",),
    "Sharon": ("Shaz",),
    "Kimberley": ("Kim",),
    "Deborah": ("Debbie", "Deb"),
    "Jacqueline": ("Jackie",),
    "Patricia": ("Pat", "Trish"),
    "Christine": ("Chris", "Chrissie"),
    "Gerald": ("Gerry",),
    "Terence": ("Terry", "Tel"),
    "Raymond": ("Ray",),
    "Leonard": ("Len", "Lenny"),
    "Kenneth": ("Ken", "Kenny"),
    "Ronald": ("Ron", "Ronnie"),
    "Philip": ("Phil",),
    "Peter": ("Pete",),
    "David": ("Dave", "Davy"),
    "Abigail": ("Abby",),
    "Natalie": ("Nat",),
    "Nathan": ("Nate",),
    "Joshua": ("Josh",),
    "Jacob": ("Jake",),
    "Zachary": ("Zach",),
    "Jessica": ("Jess",),
    "Amanda": ("Mandy",),
    "Melissa": ("Mel",),
    "Stuart": ("Stu",),
    "Gregory": ("Greg",),
    "Dominic": ("Dom",),
    "Frederick": ("Fred", "Freddie"),
    "Henry": ("Harry", "Hal"),
    "Mohammed": ("Mo",),
    "Wojciech": ("Wojtek",),
    "Aleksandra": ("Ola",),
    "Katarzyna": ("Kasia",),
    "Emmanuel": ("Manny",),
    "Jermaine": ("Jay",),
    "Joanne": ("Jo",),
    "Nicola": ("Nicky",),
    "Bethany": ("Beth",),
    "Charlotte": ("Lottie", "Charlie"),
    "Oliver": ("Ollie",),
    "Alfred": ("Alfie",),
    "Archibald": ("Archie",),
    "Theodore": ("Theo", "Teddy"),
    "Dennis": ("Den",),
    "Shaun": ("Shaunie",),
    "Declan": ("Dec",),
    "Siobhan": ("Shiv",),
}

MIDDLE_MALE: Final = _words(
    "John James Paul Michael David Robert Lee Anthony Edward George Thomas Alan Peter Mark"
)
MIDDLE_FEMALE: Final = _words("Marie Louise Anne Jane Elizabeth Rose May Jayne Ann Clare Victoria")

# ------------------------------------------------------------------------------- places

# fictional towns with UK-shaped but unused postcode areas (EX follows the spec's example)
TOWNS: Final = (
    ("Exampletown", "EX", 0.0, 0.0),
    ("Ashcombe", "AC", 0.085, -0.12),
    ("Brindlewick", "BW", -0.07, 0.11),
    ("Carrow Vale", "CJ", 0.12, 0.09),
    ("Dunmere Cross", "DJ", -0.11, -0.1),
    ("Fallowford", "FQ", 0.02, 0.17),
)
CENTRE_LAT: Final = 51.501
CENTRE_LON: Final = -0.121

STREET_STEMS: Final = _words(
    "Mill Church Station Park Victoria Albert Queens Kings Manor Oak Elm Beech Ash Willow "
    "Chestnut Holly Meadow Orchard Brook Bridge Castle Chapel Green Grange Hill Lark Linden "
    "Maple Moor Newlands North Priory Rectory School Spring Sycamore Tanners Vicarage "
    "Wellington Windmill Coronation Jubilee Cedar Heather Foxglove Bramble Cobden Nelson Rose "
    "Poplar Fern Hawthorn Kestrel Heron Ferry Quarry Forge Weavers Mulberry Alder Hazel Larch "
    "Rowan Field Canal Abbey Dene Lime Pinfold Ropewalk Saxon Thorn Osier Kiln Paddock"
)
STREET_SUFFIXES: Final = (
    ("Road", 6),
    ("Street", 5),
    ("Lane", 4),
    ("Avenue", 3),
    ("Close", 3),
    ("Drive", 2),
    ("Way", 2),
    ("Crescent", 2),
    ("Grove", 2),
    ("Gardens", 1),
    ("Court", 1),
    ("Terrace", 1),
    ("Place", 1),
    ("Walk", 1),
    ("Rise", 1),
    ("View", 1),
)
POSTCODE_LETTERS: Final = "ABDEFGHJLNPQRSTUWXYZ"

SAINTS: Final = _words("Anne's Mary's John's Peter's Michael's Luke's Thomas' Margaret's Paul's")
NURSERY_NAMES: Final = (
    "Little Acorns Day Nursery",
    "Rainbow Tots Nursery",
    "Bright Stars Pre-School",
    "Tiny Steps Nursery",
    "Ladybird Pre-School",
    "Meadow View Day Nursery",
    "Buttercups Nursery",
    "Little Owls Pre-School",
)
YOUTH_CLUB_NAMES: Final = (
    "{town} Youth Centre",
    "{stem} Boxing Club",
    "{stem} Scout Hut",
    "{town} Junior Football Club",
    "{stem} Community Youth Club",
    "{town} Cadets Hall",
)
HOSTEL_NAMES: Final = (
    "{stem} House Approved Premises",
    "{stem} Lodge Hostel",
    "{town} Night Shelter",
    "{stem} Court Supported Housing",
)
PUBLIC_PLACE_NAMES: Final = (
    "{stem} Park",
    "{town} Shopping Centre",
    "{town} Market Square",
    "{town} Leisure Centre",
    "Riverside Walk",
    "{town} Library",
    "{stem} Recreation Ground",
    "{town} Retail Park",
)
BUSINESS_NAMES: Final = (
    "The Red Lion",
    "The Crown",
    "The Plough Inn",
    "The {stem} Arms",
    "{family}'s Garage",
    "{town} Gym",
    "Golden Dragon Takeaway",
    "{stem} Car Wash",
    "Quick Fix Phone Repairs",
    "{family} & Sons Builders Merchants",
    "{stem} Convenience Store",
    "{town} Snooker Club",
    "{stem} Fish Bar",
    "{family} Roofing",
    "{town} Vape Shop",
    "{stem} Barbers",
    "{stem} Social Club",
    "{town} Bookmakers",
)
OTHER_PLACE_NAMES: Final = (
    "{stem} Allotments",
    "{town} Industrial Estate",
    "Canal towpath by {stem} Bridge",
    "{stem} Street car park",
    "Waste ground off {stem} Lane",
)
PRISON_NAMES: Final = ("HMP Carrow Moor", "HMP Fenwick Marsh", "HMP Saltings")

# ------------------------------------------------------------------------------- objects

ONLINE_PLATFORMS: Final = ("PixelPlay", "ChatNest", "LoopTalk", "SnapCircle", "GameHaven", "Flick")
EMAIL_DOMAINS: Final = ("example.com", "example.net", "example.org", "mail.example.co.uk")
ORGANISATION_NAMES: Final = (
    "{family} Roofing Ltd",
    "{stem} Juniors Football Club",
    "{stem} Community Church",
    "{stem} Road Food Bank",
    "{family} & Sons Scaffolding",
    "{stem} Taxis",
    "{stem} Amateur Boxing Club",
    "{family} Lettings",
    "{stem} Care Services Ltd",
    "{family} Motor Salvage",
    "{stem} Tuition Centre",
    "{stem} Dance Academy",
    "{family} Building Services",
    "{stem} Youth Theatre",
    "{family} Cleaning Ltd",
    "{stem} Residents Association",
)
CHILDREN_ORGANISATION_WORDS: Final = ("Juniors", "Tuition", "Dance", "Youth")
"""Organisations whose name has one of these words work with children."""

# ---------------------------------------------------------------------------- ViSOR text

MO_CHILD: Final = (
    "grooming via online gaming",
    "befriending single mothers to gain access to their children",
    "offering lifts to teenage girls",
    "volunteering with youth groups",
    "possession and sharing of indecent images of children",
    "contact offences against children within the family",
    "loitering near schools and play areas",
    "grooming via social media using a false age",
)
MO_ADULT: Final = (
    "sexual assault of lone females in the night-time economy",
    "indecent exposure in parks",
    "rape of an acquaintance after drinking",
    "voyeurism using hidden cameras",
    "sexual assault of a partner",
)
MO_VIOLENT: Final = (
    "domestic abuse against successive partners",
    "knife-enabled robbery",
    "group violence in the night-time economy",
    "serious assault linked to drug debt collection",
    "stalking and harassment of a former partner",
    "violence towards lone workers",
)
MO_TERROR: Final = (
    "dissemination of extremist material online",
    "preparation of terrorist acts",
    "attempts to recruit vulnerable young people to an extremist ideology",
)
MO_OTHER: Final = (
    "arson endangering life",
    "threats to kill",
    "coercive control and intimidation",
    "serious harm to a vulnerable adult",
)
MO_PDP: Final = (
    "escalating threats towards a neighbour",
    "fixation on children in the local park",
    "repeated harassment of a former partner",
    "threats of violence towards staff at a hostel",
)
RISK_FACTORS: Final = (
    "access to children",
    "alcohol misuse",
    "drug misuse",
    "unstable accommodation",
    "new relationships",
    "online activity",
    "poor compliance",
    "weapons access",
    "mental health",
    "associates with offending histories",
    "financial pressures",
    "isolation",
)
LICENCE_CHILD: Final = (
    "no unsupervised contact with under 18s",
    "not to enter school grounds or play areas",
    "declare all internet-enabled devices",
    "notify any new relationship",
)
LICENCE_GENERAL: Final = (
    "reside at approved address",
    "curfew 19:00-07:00",
    "no contact with named victim",
    "exclusion zone around victim's address",
    "attend all appointments with offender manager",
    "not to consume alcohol",
    "electronic monitoring",
)
AT_RISK_CHILD: Final = ("female children aged 8-14", "children in any household he joins")
AT_RISK_ADULT: Final = ("former partner", "known adult females", "staff at approved premises")
MEDICAL_NOTES: Final = (
    "insulin-dependent diabetes",
    "diagnosed personality disorder; under community mental health team",
    "epilepsy; carries medication",
    "history of self-harm; ACCT opened in custody",
    "opiate substitute prescription",
    "paranoid schizophrenia; depot injection monthly",
    "heart condition; GTN spray",
)

# ---------------------------------------------------------------------------- reporting

HANDLING_CONDITIONS: Final = (
    "Do not disclose to the subject; originator consent before action",
    "Not to be disseminated outside the public protection unit",
    "Source protection: do not action without reference to the DSU",
    "Health information shared under safeguarding; no onward disclosure",
    "Refer to originator before any dissemination",
)
LEGACY_CONDITIONS: Final = (
    "Refer to originator",
    "No further dissemination without authority",
)
POLICE_REQUESTS: Final = (
    "Asked to note vehicles visiting the address and call 101 with times",
    "Asked to report any sighting of children entering the address",
    "Asked to keep a diary of visitors and comings and goings",
    "Asked to call if the subject is seen near the school",
    "Asked to report any contact from the subject",
    "Asked to pass on details of any new partner",
)
CHIS_TASKING: Final = (
    "Tasked to establish who is supplying the subject",
    "Tasked to report on the subject's associates and vehicles",
    "Tasked to confirm where the subject is living",
)
CONFIDENTIAL_VICTIM: Final = (
    "victim details held on the DA case file",
    "child victim known to children's services",
    "victim does not support prosecution",
)
CONFIDENTIAL_THIRD_PARTY: Final = (
    "caller fears reprisals",
    "caller is a relative of the subject's partner",
    "information originates from a school safeguarding lead",
)
CONFIDENTIAL_TACTICS: Final = (
    "covert deployment under consideration",
    "ANPR marker requested",
    "address visit planned without notice",
)
RANKS: Final = (("PC", 6), ("DC", 3), ("PS", 1), ("DS", 1))
PROBATION_TITLES: Final = ("PO", "PSO")

# phrases reports are written from, by the situation they describe
PHRASES: Final[dict[str, tuple[str, ...]]] = {
    "child_sighting": (
        "loitering by the gates at home time",
        "watching children in the play area",
        "talking to a group of children",
        "taking photographs near the entrance",
        "sitting in a parked car outside",
    ),
    "custody_offence": (
        "assault",
        "criminal damage",
        "breach of notification requirements",
        "drunk and disorderly",
        "theft",
    ),
    "hospital": (
        "intoxicated",
        "in mental health crisis",
        "with injuries from a fight",
        "after an overdose",
    ),
    "hostel": (
        "returned late to",
        "has been given a bed at",
        "was seen with a visitor at",
        "left without notice from",
    ),
    "prison": ("released on licence from", "visited an associate at", "recalled to"),
    "mental_state": (
        "low mood and talk of self-harm",
        "paranoid and not taking medication",
        "erratic behaviour at appointments",
    ),
    "substance_misuse": (
        "drinking heavily again",
        "using crack cocaine",
        "selling prescribed medication",
        "relapsed into heroin use",
    ),
    "chis_activity": (
        "supplying cocaine in the town centre",
        "storing a weapon at a friend's address",
        "planning to confront a rival",
        "collecting debts by force",
    ),
    "co_offending": (
        "involved in a fight outside",
        "seen together and believed to be carrying weapons at",
        "intimidating staff at",
        "collecting a drug debt near",
    ),
    "malicious_claim": (
        "is abusing children at his address",
        "is dealing drugs from the flat",
        "has a gun hidden in the loft",
        "is living under a false name",
    ),
    "domestic": (
        "shouting and threatening",
        "assaulted",
        "turned up uninvited at the home of",
        "sent abusive messages to",
    ),
    "household_seen": (
        "seen at the school gates",
        "taking the children to the park",
        "there most nights",
        "car parked outside overnight",
    ),
    "ex_partner": (
        "has been messaging her despite being told not to",
        "was seen outside her address",
        "has a new partner who has young children",
        "made threats during a phone call",
        "is drinking again and making threats",
    ),
    "family": (
        "has a second phone probation do not know about",
        "has a new girlfriend with children",
        "is not coping and drinking heavily",
        "is spending time with old associates",
        "has been online late at night talking to young people",
    ),
    "neighbour": (
        "visitors coming and going late at night",
        "children seen going into the address",
        "a car parked outside with different people in it",
        "shouting and banging from the property",
        "the subject watching children in the street from the window",
    ),
    "vulnerable_note": ("visiting daily", "has a key to the flat", "controls her money"),
}
