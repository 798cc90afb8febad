#!/usr/bin/env python3
"""Contact sheets for judging precision@5 by eye: for each query, the top 5 of two indexes side by side.

usage: precision_sheets.py QUERIES.txt OLD_INDEX NEW_INDEX PHOTO_FOLDER OUT_FOLDER

Runs `crossmodal search IDX --text Q -k 5 --min-probability 0 --json` for every line of QUERIES.txt on both
indexes (built from the same photo folder), saves the answers as OUT/{old,new}-N.json and draws
OUT/sheet-NN.png with two queries per sheet (rows: query 1 old, new; query 2 old, new). Needs Pillow
(the reference virtual environment has it). docs/results.md says how the sheets were judged.
"""
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

BIN = "./.build/release/crossmodal"
SIDE = 150


def main() -> None:
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    queries_file, old_index, new_index, photos, out = sys.argv[1:]
    queries = [line.strip() for line in open(queries_file, encoding="utf-8") if line.strip()]
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    answers = {}
    for number, query in enumerate(queries, 1):
        for run, index in (("old", old_index), ("new", new_index)):
            result = subprocess.run([BIN, "search", index, "--text", query, "-k", "5", "--min-probability", "0", "--json"],
                                    capture_output=True, text=True, check=True)
            (out_dir / f"{run}-{number}.json").write_text(result.stdout)
            answers[run, number] = json.loads(result.stdout)
    for first in range(1, len(queries) + 1, 2):
        sheet = Image.new("RGB", (200 + 5 * (SIDE + 10), 4 * (SIDE + 10) + 10), "white")
        draw = ImageDraw.Draw(sheet)
        y = 5
        for number in (first, first + 1):
            if number > len(queries):
                break
            for run in ("old", "new"):
                answer = answers[run, number]
                draw.text((5, y + 5), f"Q{number} {run}", fill="black")
                draw.text((5, y + 20), queries[number - 1][:28], fill="black")
                if answer.get("unknown_words"):
                    draw.text((5, y + 35), "unknown: " + ", ".join(answer["unknown_words"])[:25], fill="red")
                for rank, item in enumerate(answer["results"][:5]):
                    image = Image.open(Path(photos) / item["id"]).convert("RGB")
                    image.thumbnail((SIDE, SIDE))
                    sheet.paste(image, (200 + rank * (SIDE + 10), y))
                    draw.text((202 + rank * (SIDE + 10), y + 2), str(rank + 1), fill="yellow")
                y += SIDE + 10
        sheet.save(out_dir / f"sheet-{(first + 1) // 2:02d}.png")


if __name__ == "__main__":
    main()
