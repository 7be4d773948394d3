from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tide_exp.cli.compare import main
from tide_exp.reporting.comparison import write_comparison

HOSTILE = '<script>alert("x")</script> a | b & c'


def fake_run(
    root: Path,
    name: str,
    slug: str,
    shift: float,
    prompts: int = 3,
    cut: frozenset[tuple[str, int]] = frozenset(),
    ending: bool = True,
) -> Path:
    """A run folder with zs, val and ft replies to ``prompts`` prompts; the (phase, prompt)
    pairs in ``cut`` reached the 48-token cap, the others ended; ``ending=False``: a run from
    before generations.jsonl recorded how replies ended."""
    run = root / name
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "config.yaml").write_text(
        f"model:\n  name: {slug}\n  display_name: {slug.upper()}\n", encoding="utf-8"
    )
    rows = []
    for phase, base in (("zs", 0.1), ("val", 0.3), ("ft", 0.5)):
        for i in range(prompts):
            rows.append(
                {
                    "phase": phase,
                    "epoch": None if phase == "zs" else 0,
                    "model": slug,
                    "example_id": f"ex{i}",
                    "persona_id": f"p{i}",
                    "theme": "sleep",
                    "prompt": f"prompt {i}: I cannot sleep" + (f" {HOSTILE}" if i == 0 else ""),
                    "reference": f"reference {i}",
                    "prediction": f"{slug} {phase} reply {i}" + ("\nsecond line" if i == 1 else ""),
                    "scores": {"rouge_l": base + shift + min(i, 4) / 10, "cosine": base},  # <= 1
                }
            )
            if ending:
                rows[-1] |= {"finished": (phase, i) not in cut, "new_tokens": 48}
    write_generations(run, rows)
    return run


def read_generations(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "generations.jsonl").read_text().splitlines()]


def write_generations(run: Path, rows: list[dict]) -> None:
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (run / "generations.jsonl").write_text(text, encoding="utf-8")


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    fake_run(tmp_path / "sweep", "0_alpha", "alpha", 0.0)
    fake_run(tmp_path / "sweep", "1_beta", "beta", 0.2)
    return tmp_path / "sweep"


def test_markdown_has_every_reply_with_its_scores_and_the_means(sweep, tmp_path):
    files = write_comparison([sweep], tmp_path / "out")
    md = files["markdown"].read_text(encoding="utf-8")
    assert "| alpha | zero-shot | alpha zs reply 0 | 0.100 | 0.100 |" in md
    assert "| beta | fine-tuned | beta ft reply 2 | 0.900 | 0.500 |" in md
    assert "val reply" not in md  # only zero-shot and fine-tuned rows
    # mean rouge_l of 0.5, 0.6, 0.7 over the 3 prompts, none cut
    assert "| alpha | fine-tuned | 3 | 0 of 3 (0%) | 0 of 3 (0%) | 0.6000 | 0.5000 |" in md
    assert "Means are over the 3 prompts every run replied to." in md
    assert "**Reference:** reference 1" in md
    assert "alpha ft reply 1<br>second line |" in md and "[cut at 48" not in md
    assert "&lt;script&gt;" in md and "a \\| b &amp; c" in md and "<script>" not in md


def test_html_is_self_contained_and_escaped(sweep, tmp_path):
    page = write_comparison([sweep], tmp_path / "out", metrics=["rouge_l"])["html"]
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "&lt;script&gt;alert(&quot;x&quot;)" in text
    assert "http://" not in text and "https://" not in text and "src=" not in text
    assert text.count('class="card"') == 3 and text.count('class="reply zs"') == 6
    assert "rouge_l 0.300" in text and "cosine" not in text  # --metrics keeps only rouge_l


def test_cut_replies_are_marked_and_counted(tmp_path):
    fake_run(tmp_path / "s", "0_alpha", "alpha", 0.0, cut=frozenset({("ft", 1), ("ft", 2)}))
    fake_run(tmp_path / "s", "1_beta", "beta", 0.2, cut=frozenset({("val", 0)}))
    files = write_comparison([tmp_path / "s"], tmp_path / "out")
    md, page = files["markdown"].read_text(), files["html"].read_text()
    assert "| alpha | fine-tuned | 3 | 2 of 3 (67%) |" in md
    assert "| beta | fine-tuned | 3 | 0 of 3 (0%) |" in md  # a cut val reply is not shown
    assert "| alpha | fine-tuned | alpha ft reply 1<br>second line **[cut at 48 tokens]** |" in md
    assert md.count("[cut at 48 tokens]") == 2
    assert page.count('<span class="cut"') == 2
    assert 'alpha ft reply 2<span class="cut"' in page and ">cut at 48 tokens</span>" in page


def test_looping_replies_are_marked_and_counted_beside_the_cut_ones(tmp_path):
    alpha = fake_run(tmp_path / "s", "0_alpha", "alpha", 0.0)
    fake_run(tmp_path / "s", "1_beta", "beta", 0.2)
    rows = read_generations(alpha)
    loop = "I'm sure you're not alone. I'm sure you're not alone. I'm sure you're not alone."
    for row in rows:
        if row["phase"] == "ft" and row["example_id"] in ("ex0", "ex2"):
            row["prediction"] = loop
    write_generations(alpha, rows)
    files = write_comparison([tmp_path / "s"], tmp_path / "out")
    md, page = files["markdown"].read_text(), files["html"].read_text()
    assert "| run | phase | prompts | cut at cap | looping |" in md  # was: no looping column
    assert "| alpha | fine-tuned | 3 | 0 of 3 (0%) | 2 of 3 (67%) |" in md
    assert "| alpha | zero-shot | 3 | 0 of 3 (0%) | 0 of 3 (0%) |" in md
    assert md.count(f"| alpha | fine-tuned | {loop} **[looping]** |") == 2
    assert page.count('<span class="cut loop"') == 2


def test_sweep_jobs_of_one_model_are_labelled_by_job_and_what_differs(tmp_path):
    common = ",eval.num_prompts=3,eval.generation.max_new_tokens=48"
    for job, rank in (("0", 4), ("1", 8)):
        fake_run(tmp_path / "12-00-00", f"{job}_alpha{common},lora.r={rank}", "alpha", 0.0)
    md = write_comparison([tmp_path / "12-00-00"], tmp_path / "out")["markdown"].read_text()
    assert "Runs: alpha@12-00-00/0 lora.r=4, alpha@12-00-00/1 lora.r=8." in md
    assert "| alpha@12-00-00/1 lora.r=8 | fine-tuned | alpha ft reply 2 |" in md
    assert "eval.num_prompts" not in md  # was: the whole override string on every row


def test_runs_that_did_not_record_endings_say_so_and_mark_nothing(tmp_path):
    fake_run(tmp_path / "s", "0_alpha", "alpha", 0.0, ending=False)
    beta = fake_run(tmp_path / "s", "1_beta", "beta", 0.2, cut=frozenset({("zs", 0), ("zs", 1)}))
    rows = read_generations(beta)
    del rows[0]["finished"], rows[0]["new_tokens"]  # one zs line from an older writer
    write_generations(beta, rows)
    files = write_comparison([tmp_path / "s"], tmp_path / "out")
    md, page = files["markdown"].read_text(), files["html"].read_text()
    assert "| alpha | zero-shot | 3 | not recorded |" in md
    assert "| beta | zero-shot | 3 | 1 of 2 recorded (50%) |" in md
    assert md.count("[cut at 48") == 1 and page.count('<span class="cut"') == 1


def test_means_are_over_the_shared_prompts_and_say_what_each_run_left_out(tmp_path):
    """Runs with 4 and 16 prompts: the means compare the 4 both answered, and say so."""
    fake_run(tmp_path / "s", "0_alpha", "alpha", 0.0, prompts=4)
    beta = fake_run(tmp_path / "s", "1_beta", "beta", 0.0, prompts=16)
    rows = read_generations(beta)
    rows[1]["scores"]["cosine"] = None  # zs ex1 has no cosine: its mean is over 3 replies
    write_generations(beta, rows)
    files = write_comparison([tmp_path / "s"], tmp_path / "out", limit=1)
    md, page = files["markdown"].read_text(), files["html"].read_text()
    sentence = (
        "The runs replied to different prompts (alpha: 4, beta: 16): means are over the 4 "
        "prompts every run replied to, leaving out 12 of beta's 16; below, the first 1 of them."
    )
    assert sentence in md and html.escape(sentence) in page
    # rouge_l 0.5..0.8 over ex0-ex3 (beta's ex4-ex15 would pull it up), --limit leaves it alone
    assert "| beta | fine-tuned | 4 | 0 of 4 (0%) | 0 of 4 (0%) | 0.6500 | 0.5000 |" in md
    assert "| beta | zero-shot | 4 | 0 of 4 (0%) | 0 of 4 (0%) | 0.2500 | 0.1000 (n=3) |" in md
    assert md.count("## ") == 1 and page.count('class="card"') == 1
    assert 'class="meta coverage differ"' in page and '<td class="num">4</td>' in page


def test_a_run_whose_phases_saw_fewer_prompts_keeps_every_mean_on_the_same_prompts(sweep, tmp_path):
    """alpha has no fine-tuned rows (a killed run): its last epoch's 2 prompts stand in, so the
    zero-shot means, its own and beta's, are over those 2 prompts too, not over 3."""
    rows = read_generations(sweep / "0_alpha")
    rows = [
        r for r in rows if r["phase"] == "zs" or (r["phase"] == "val" and r["example_id"] != "ex2")
    ]
    write_generations(sweep / "0_alpha", rows)
    md = write_comparison([sweep], tmp_path / "out")["markdown"].read_text()
    assert "means are over the 2 prompts every run replied to, leaving out 1 of alpha's 3, " in md
    # rouge_l 0.1, 0.2; then the val rows
    assert "| alpha | zero-shot | 2 | 0 of 2 (0%) | 0 of 2 (0%) | 0.1500 |" in md
    assert "| alpha | fine-tuned | 2 | 0 of 2 (0%) | 0 of 2 (0%) | 0.3500 |" in md
    assert "| beta | zero-shot | 2 |" in md and "reply 2" not in md


def test_cli_limit_and_one_line_error(sweep, tmp_path, capsys):
    assert main([str(sweep), "--out", str(tmp_path / "o"), "--limit", "1"]) == 0
    assert (tmp_path / "o" / "compare.html").read_text().count('class="card"') == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_score_names_in_markdown_headers_are_escaped(tmp_path):
    run = fake_run(tmp_path / "sweep", "0_alpha", "alpha", 0.0)
    rows = read_generations(run)
    for row in rows:
        row["scores"] = {"<b>bold</b>": 0.5}  # a user's own metric name, as written
    write_generations(run, rows)
    md = write_comparison([tmp_path / "sweep"], tmp_path / "out")["markdown"].read_text()
    assert "<b>" not in md and "&lt;b&gt;bold&lt;/b&gt;" in md


def test_runs_on_other_corpora_never_pair_a_reply_with_another_message(sweep, tmp_path):
    """Example ids coincide, messages differ: those replies are left out, and counted."""
    rows = read_generations(sweep / "1_beta")
    for row in rows:
        if row["example_id"] == "ex1":
            row["prompt"] = "a different message under the same id"
    write_generations(sweep / "1_beta", rows)
    md = write_comparison([sweep], tmp_path / "out")["markdown"].read_text()
    assert "means are over the 2 prompts every run replied to" in md
    assert "leaving out 1 of alpha's 3, 1 of beta's 3." in md
    assert "reply 1" not in md and "a different message" not in md
    assert "alpha zs reply 0" in md and "beta ft reply 2" in md


# --- the page in a real browser ------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CUT_RED = (0xB3, 0x26, 0x1E)  # .cut's background in the page's style

# Appended to a copy of the page (the page itself has no scripts): measures the laid-out boxes
# and writes what it found into the DOM, which --dump-dom returns. Text boxes come from a
# Range over each element's text, so text printing past its own box is caught, not only boxes.
PROBE = """<script id="layout-probe">
(() => { let found; try {
  const box = el => el.getBoundingClientRect();
  const texts = el => { const r = document.createRange(); r.selectNodeContents(el);
    return [...r.getClientRects()].filter(b => b.width > 0 && b.height > 0); };
  const meets = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 &&
    a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 &&
    a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const name = el => el.className + ": " + el.textContent.slice(0, 30);
  const labels = [...document.querySelectorAll(".run")];
  const replies = [...document.querySelectorAll(".reply")];
  const problems = [];
  for (const label of labels) for (const text of texts(label)) for (const reply of replies)
    if (meets(text, box(reply))) problems.push("label over reply: " + name(label));
  for (const el of [...labels, ...replies, ...document.querySelectorAll("td, th")])
    if (texts(el).some(text => !inside(text, box(el)))) problems.push("text out: " + name(el));
  if (document.documentElement.scrollWidth > innerWidth) problems.push("page wider than window");
  const cuts = [...document.querySelectorAll(".cut")].map(el => {
    const b = box(el), s = getComputedStyle(el);
    return {text: el.textContent, left: b.left, top: b.top + scrollY, right: b.right,
            bottom: b.bottom + scrollY, in_reply: inside(b, box(el.closest(".reply"))),
            visible: s.display !== "none" && s.visibility === "visible" && s.opacity === "1"};
  });
  found = {problems, cuts, labels: labels.length, width: innerWidth};
  } catch (error) { found = {error: String(error)}; }
  const out = document.createElement("pre");
  out.id = "layout-result";
  out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
})();
</script>"""


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    flags += ["--force-device-scale-factor=1", f"--user-data-dir={profile}"]
    done = subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def measure(page: Path, width: int, height: int, profile: Path) -> dict:
    """The probe's findings on ``page`` laid out in a ``width`` x ``height`` window."""
    probed = page.with_name(f"probed_{width}.html")
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = chromium(
        f"--window-size={width},{height}", "--dump-dom", probed.as_uri(), profile=profile
    )
    found = re.search(r'<pre id="layout-result">(.*?)</pre>', dom.stdout, re.DOTALL)
    assert found, dom.stdout[-2000:]
    assert dom.stdout.count("<script") == 1  # the probe; the hostile prompt stayed text
    result = json.loads(html.unescape(found.group(1)))
    assert "error" not in result, result["error"]
    return result


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (Debian: apt-get install chromium)")
def test_page_in_headless_chromium_keeps_labels_off_replies_and_shows_cut_marks(tmp_path):
    """Long labels and replies, 4 vs 16 prompts, a cut reply: laid out in Chromium, no label
    text meets a reply box, no text leaves its box, and the cut tag is painted where it sits."""
    from PIL import Image

    slug = "a_long_model_slug_without_any_spaces_" * 2
    fake_run(tmp_path / "s", "0_first_job_of_a_sweep", slug, 0.0, prompts=4, cut={("ft", 0)})
    long = fake_run(tmp_path / "s", "1_second_job_of_a_sweep", slug, 0.1, prompts=16)
    rows = read_generations(long)
    for row in rows:
        if row["example_id"] == "ex1":  # a long reply with an unbroken 300-character token
            row["prediction"] = "I hear you. " * 150 + "x" * 300 + " " + "and then " * 40
    write_generations(long, rows)
    page = write_comparison([tmp_path / "s"], tmp_path / "out")["html"]
    profile = tmp_path / "profile"

    cuts = {}
    for width in (1280, 640):
        found = measure(page, width, 1000, profile)
        assert found["width"] == width and found["labels"] == 8  # 2 runs x 4 shared prompts
        assert found["problems"] == [], f"{width}px: {found['problems'][:5]}"
        # "I hear you." said 150 times loops, zero-shot and fine-tuned: tagged like a cut
        assert [c["text"] for c in found["cuts"]] == ["cut at 48 tokens", "looping", "looping"]
        cuts[width] = found["cuts"][0]
        assert all(c["visible"] and c["in_reply"] for c in found["cuts"])
    wide = cuts[1280]
    assert wide["bottom"] < 1000  # on the first screen, so the screenshot shows it

    png = tmp_path / "compare.png"
    chromium("--window-size=1280,1000", f"--screenshot={png}", page.as_uri(), profile=profile)
    image = Image.open(png).convert("RGB")
    tag = image.crop(
        (round(wide["left"]), round(wide["top"]), int(wide["right"]), int(wide["bottom"]))
    )
    pixels = list(tag.getdata())
    red = sum(max(abs(a - b) for a, b in zip(p, CUT_RED, strict=True)) < 24 for p in pixels)
    assert red > len(pixels) / 2  # the tag is painted, not hidden under another box


NOT_TEXT = [None, 0, 1.5, True, ["a"], {"text": "a"}]


@pytest.mark.parametrize("field", ["prediction", "reference", "prompt"])
@pytest.mark.parametrize("value", NOT_TEXT, ids=repr)
def test_a_reply_that_is_not_text_is_refused_by_compare_as_by_score(tmp_path, capsys, field, value):
    """Issue 31: ``"prediction": null`` was an empty reply to ``tide compare`` while ``tide score``
    refused the same file; both read generations.jsonl by one rule now, naming file and line."""
    from tide_exp.metrics.score_file import BadInputError, read_pairs

    run = fake_run(tmp_path / "sweep", "0_alpha", "alpha", 0.0)
    rows = read_generations(run)
    rows[4][field] = value  # line 5: a val row
    write_generations(run, rows)
    assert main([str(run), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {run / 'generations.jsonl'}:5") and f"row.{field}" in err
    assert "\n" not in err and not (tmp_path / "o").exists()
    if field != "prompt":  # the scorer reads only prediction and reference
        with pytest.raises(BadInputError, match=r"generations\.jsonl:5: field"):
            read_pairs(run / "generations.jsonl", phase="val")


@pytest.mark.parametrize("score", [7.5, -0.1, float("nan"), "0.02"], ids=repr)
def test_a_per_reply_score_no_metric_gives_is_refused_naming_line_and_metric(
    tmp_path, capsys, score
):
    """Issue 31: a per-reply rouge_l of 7.5 (or a score written as a string) entered the means."""
    run = fake_run(tmp_path / "sweep", "0_alpha", "alpha", 0.0)
    rows = read_generations(run)
    rows[7]["scores"]["rouge_l"] = score  # line 8: an ft row
    write_generations(run, rows)
    assert main([str(run), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {run / 'generations.jsonl'}:8") and "row.scores.rouge_l" in err


def test_an_example_with_two_replies_in_one_phase_is_refused_by_compare_and_score(tmp_path, capsys):
    """Issue 31: two ft rows of one example: compare showed one without a word, score scored
    both (n counted the example twice)."""
    from tide_exp.metrics.score_file import BadInputError, read_pairs

    run = fake_run(tmp_path / "sweep", "0_alpha", "alpha", 0.0)
    rows = read_generations(run)
    rows.append({**rows[-1], "prediction": "another reply"})  # line 10: ft ex2 again
    write_generations(run, rows)
    assert main([str(run), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "generations.jsonl:10" in err and "a second ft row of example 'ex2'" in err
    with pytest.raises(BadInputError, match=r"generations\.jsonl:10: example 'ex2' again"):
        read_pairs(run / "generations.jsonl", phase="ft")
