"""WordNet 3.0 for METEOR, offline: an NLTK-readable corpus assembled from Debian's packages.

NLTK reads WordNet from ``<nltk_data>/corpora/wordnet/``. Offline, Debian's ``wordnet-base`` and
``wordnet-sense-index`` packages carry the same WordNet 3.0 database files in ``/usr/share/wordnet``
except ``lexnames`` (the list of the 45 lexicographer files), which NLTK's reader needs and which is
shipped here. ``tide wordnet install`` (:mod:`tide_exp.cli.wordnet`) copies the files into place;
online, ``python -m nltk.downloader wordnet`` gives the same corpus.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from pathlib import Path

from tide_exp.errors import ResourceMissingError
from tide_exp.files.atomic import write_folder

DEBIAN_WORDNET_DIR = Path("/usr/share/wordnet")
APT_FIX = "apt-get install -y wordnet-base wordnet-sense-index"
INSTALL_FIX = "python -m tide_exp.cli.wordnet install"

# The files NLTK's WordNetCorpusReader opens (its _FILES), all but lexnames found in Debian's packages.
DEBIAN_FILES = (
    "cntlist.rev",
    "index.sense",
    "index.adj",
    "index.adv",
    "index.noun",
    "index.verb",
    "data.adj",
    "data.adv",
    "data.noun",
    "data.verb",
    "adj.exc",
    "adv.exc",
    "noun.exc",
    "verb.exc",
)

# WordNet 3.0 lexnames(5WN): file number, lexicographer file, syntactic category (1 n, 2 v, 3 a, 4 r).
LEXNAMES = """\
00	adj.all	3
01	adj.pert	3
02	adv.all	4
03	noun.Tops	1
04	noun.act	1
05	noun.animal	1
06	noun.artifact	1
07	noun.attribute	1
08	noun.body	1
09	noun.cognition	1
10	noun.communication	1
11	noun.event	1
12	noun.feeling	1
13	noun.food	1
14	noun.group	1
15	noun.location	1
16	noun.motive	1
17	noun.object	1
18	noun.person	1
19	noun.phenomenon	1
20	noun.plant	1
21	noun.possession	1
22	noun.process	1
23	noun.quantity	1
24	noun.relation	1
25	noun.shape	1
26	noun.state	1
27	noun.substance	1
28	noun.time	1
29	verb.body	2
30	verb.change	2
31	verb.cognition	2
32	verb.communication	2
33	verb.competition	2
34	verb.consumption	2
35	verb.contact	2
36	verb.creation	2
37	verb.emotion	2
38	verb.motion	2
39	verb.perception	2
40	verb.possession	2
41	verb.social	2
42	verb.stative	2
43	verb.weather	2
44	adj.ppl	3
"""


class WordNetMissingError(ResourceMissingError, RuntimeError):
    """WordNet is not installed where NLTK looks; the message says how to install it."""


def default_nltk_data_dir() -> Path:
    """``$NLTK_DATA`` if set, else ``<sys.prefix>/nltk_data`` (on NLTK's default search path)."""
    env = os.environ.get("NLTK_DATA")
    return Path(env.split(os.pathsep)[0]) if env else Path(sys.prefix) / "nltk_data"


def install_wordnet(
    nltk_data_dir: str | Path | None = None, source_dir: str | Path = DEBIAN_WORDNET_DIR
) -> Path:
    """Assemble ``<nltk_data_dir>/corpora/wordnet`` from Debian's WordNet files plus lexnames.

    Args:
        nltk_data_dir: An NLTK data root; default :func:`default_nltk_data_dir`.
        source_dir: Folder with the Debian WordNet 3.0 database files.

    Returns:
        The corpus folder. The copy is built in a temporary sibling and renamed into place, so a
        reader never sees half a corpus.

    Raises:
        WordNetMissingError: ``source_dir`` lacks one of the database files.
    """
    source = Path(source_dir)
    missing = [name for name in DEBIAN_FILES if not (source / name).is_file()]
    if missing:
        raise WordNetMissingError(
            f"WordNet 3.0 files missing from {source}: {', '.join(missing)}. Install them with "
            f"`{APT_FIX}` (or online: python -m nltk.downloader wordnet)."
        )
    corpora = Path(nltk_data_dir or default_nltk_data_dir()) / "corpora"

    def fill(staging: Path) -> None:
        for name in DEBIAN_FILES:
            shutil.copyfile(source / name, staging / name)
        (staging / "lexnames").write_text(LEXNAMES, encoding="utf-8")
        (staging / "README.tide_exp").write_text(
            f"WordNet 3.0 assembled by tide_exp.metrics.wordnet from {source} (Debian "
            "wordnet-base, wordnet-sense-index) plus lexnames(5WN). License: see "
            "/usr/share/doc/wordnet-base/copyright.\n",
            encoding="utf-8",
        )

    return write_folder(corpora / "wordnet", fill)


@functools.lru_cache(maxsize=1)
def load_wordnet():
    """NLTK's WordNet reader, loaded once; raises :class:`WordNetMissingError` with the fix.

    Never falls back to METEOR without synonyms: a score computed without WordNet is a different
    metric.
    """
    from nltk.corpus import wordnet

    try:
        wordnet.ensure_loaded()
    except LookupError as err:
        raise WordNetMissingError(
            "METEOR needs WordNet 3.0 and NLTK cannot find it. Offline: "
            f"`{APT_FIX} && {INSTALL_FIX}` (or `make setup`); online: "
            "`python -m nltk.downloader wordnet`."
        ) from err
    return wordnet
