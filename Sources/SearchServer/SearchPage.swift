/// The search page `serve` answers at `/`: one HTML file with its CSS and script inline.
enum SearchPage {
    /// The page; with `writable`, a form that adds a photo to the gallery (the write token typed in by the user).
    static func html(writable: Bool) -> String {
        writable ? page.replacingOccurrences(of: "<!--add-->", with: addForm) : page
    }

    /// The "add to gallery" form of a server started with `--write-token`.
    static let addForm = """
        <form id="add" class="add"><span>Add to gallery:</span> <input type="file" id="addfile" accept="image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif,image/avif">
        <input type="text" id="addcaption" placeholder="caption (optional)" maxlength="500">
        <input type="password" id="addtoken" placeholder="write token" autocomplete="off"><button type="submit">Add</button></form>
        """

    static let page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>crossmodal search</title>
        <style>
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
        header { background: #fff; border-bottom: 1px solid #ddd; padding: 14px 24px; position: sticky; top: 0; z-index: 1; }
        h1 { font-size: 18px; margin: 0 0 8px; } form { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
        input[type=search] { flex: 1; min-width: 260px; font-size: 16px; padding: 8px 10px; border: 1px solid #bbb; border-radius: 6px; }
        button { font-size: 15px; padding: 8px 14px; border-radius: 6px; border: 1px solid #357; background: #3a6ea5; color: #fff; cursor: pointer; }
        label.upload { font-size: 13px; color: #555; } main { padding: 16px 24px; }
        #status { color: #555; margin: 6px 0 12px; min-height: 20px; } #status.error { color: #b00020; font-weight: 600; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 14px; }
        .card { background: #fff; border: 1px solid #e2e2e2; border-radius: 8px; overflow: hidden; }
        .card img { width: 100%; height: 170px; object-fit: cover; display: block; cursor: pointer; background: #eee; }
        .card.dup { display: none; } .card.dup.open { display: block; outline: 2px dashed #999; } button.dups { font-size: 12px; margin: 0 8px 8px; }
        .card.nearest { opacity: 0.55; } .card p.file { font-size: 11px; color: #666; word-break: break-all; margin-top: 0; } .card p { margin: 6px 8px 8px; font-size: 13px; } .score { color: #777; font-size: 12px; float: right; }
        ol.captions li { margin: 4px 0; } .query-image { max-height: 160px; border-radius: 6px; }
        form.add { margin-top: 8px; font-size: 13px; color: #555; } form.add input[type=text], form.add input[type=password] { padding: 5px 8px; }
        </style></head><body>
        <header><h1>crossmodal search</h1>
        <form id="form"><input type="search" id="q" name="q" placeholder="Describe a picture, e.g. a dog running on the beach" autocomplete="off" maxlength="500">
        <input type="text" id="folder" placeholder="in folder (optional)" maxlength="1000" title="only photos under this folder (relative to the gallery's photo folder)">
        <label class="upload">taken from <input type="date" id="from" title="only photos taken on or after this day (EXIF date, else the file's time)"></label>
        <label class="upload">to <input type="date" id="to" title="only photos taken on or before this day"></label>
        <button type="submit">Search</button>
        <label class="upload">or search by a photo <input type="file" id="file" accept="image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif,image/avif"></label></form><!--add--></header>
        <main><div id="status"></div><div id="extra"></div><div id="results" class="grid"></div></main>
        <script>
        const form = document.getElementById("form"), box = document.getElementById("q"), statusLine = document.getElementById("status");
        const results = document.getElementById("results"), extra = document.getElementById("extra");
        function inFolder() {
          const f = document.getElementById("folder").value.trim(), from = document.getElementById("from").value, to = document.getElementById("to").value;
          return (f ? "&folder=" + encodeURIComponent(f) : "") + (from ? "&taken_from=" + from : "") + (to ? "&taken_to=" + to : "");
        }
        function say(text, isError) { statusLine.textContent = text; statusLine.className = isError ? "error" : ""; }
        async function call(url, options) {
          const started = performance.now();
          const response = await fetch(url, options);
          const body = await response.json();
          if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
          body.milliseconds = Math.round(performance.now() - started);
          return body;
        }
        function showImages(items, nearestOnly, groups) {
          // Near-duplicates (the API's duplicate_groups) fold under the first of their group, one click away.
          const leader = new Map(), members = new Map();
          for (const group of groups || []) { members.set(group[0], group.slice(1)); for (const id of group.slice(1)) leader.set(id, group[0]); }
          results.replaceChildren(...items.map((item, index) => {
            const card = document.createElement("div"); card.className = nearestOnly ? "card nearest" : "card";
            const img = document.createElement("img"); img.src = "/api/images/" + encodeURIComponent(item.id); img.alt = item.id; img.loading = "lazy";
            img.title = "Search by this image"; img.addEventListener("click", () => byImage(item.id));
            const p = document.createElement("p");
            const score = document.createElement("span"); score.className = "score";
            score.textContent = (index + 1) + " · " + item.score.toFixed(3) + (item.match_probability != null ? " · p " + item.match_probability.toFixed(2) : "");
            if (item.match_probability != null) score.title = "match probability: the share of results at this score that were the described image on the run's validation data";
            p.append(score, (item.captions && item.captions[0]) || item.id);
            const file = document.createElement("p"); file.className = "file";
            const full = document.createElement("a"); full.href = "/api/images/" + encodeURIComponent(item.id); full.target = "_blank";
            full.rel = "noopener"; full.textContent = "full size";
            file.append(full);
            card.append(img, p, file);
            if (leader.has(item.id)) { card.classList.add("dup"); card.dataset.leader = leader.get(item.id); }
            const copies = members.get(item.id);
            if (copies && copies.length) {
              const button = document.createElement("button"); button.type = "button"; button.className = "dups";
              button.textContent = "+" + copies.length + " near-duplicate" + (copies.length == 1 ? "" : "s");
              button.title = "photos that look the same (image similarity ≥ 0.95)";
              button.addEventListener("click", () => {
                for (const other of results.querySelectorAll(".card.dup")) if (other.dataset.leader === item.id) other.classList.toggle("open");
              });
              card.append(button);
            }
            return card;
          }));
        }
        function showCaptions(title, items, imageURL, path, taken) {
          extra.replaceChildren();
          if (imageURL) { const img = document.createElement("img"); img.className = "query-image"; img.src = imageURL; extra.append(img); }
          if (path) {
            const file = document.createElement("p"); file.className = "path";
            file.textContent = "file: " + path + (taken ? " · taken " + taken.replace("T", " ") : "") + " · ";
            const full = document.createElement("a"); full.href = imageURL; full.target = "_blank"; full.rel = "noopener"; full.textContent = "full size";
            file.append(full); extra.append(file);
          }
          const h = document.createElement("h3"); h.textContent = title; extra.append(h);
          const list = document.createElement("ol"); list.className = "captions";
          for (const item of items) { const li = document.createElement("li"); li.textContent = item.text + "  (" + item.score.toFixed(3) + (item.match_probability != null ? ", p " + item.match_probability.toFixed(2) : "") + ")"; list.append(li); }
          extra.append(list);
        }
        async function byText(text) {
          if (!text.trim()) { say("Type a description first.", true); return; }
          say("Searching…"); extra.replaceChildren();
          try {
            const answer = await call("/api/search?k=20&text=" + encodeURIComponent(text) + inFolder());
            const unknown = answer.unknown_words || [];
            const note = unknown.length ? " — the model does not know " + unknown.map(w => "“" + w + "”").join(", ") + " and searched without " + (unknown.length == 1 ? "it" : "them") : "";
            if (answer.no_good_match) {
              showImages(answer.nearest || [], true, answer.duplicate_groups);
              say("No good match for “" + answer.query.text + "”: no photo reaches match probability " + answer.min_probability.toFixed(3)
                + ". The nearest are shown below, greyed" + note);
            } else {
              showImages(answer.results, false, answer.duplicate_groups);
              say(answer.results.length + " images for “" + answer.query.text + "” in " + answer.milliseconds + " ms"
                + (answer.min_probability != null ? " (those reaching match probability " + answer.min_probability.toFixed(3) + ")" : "") + note);
            }
            history.replaceState(null, "", "?q=" + encodeURIComponent(text));
          } catch (error) { results.replaceChildren(); say(error.message, true); }
        }
        async function byImage(id) {
          say("Searching by image " + id + "…");
          try {
            const [similar, captions, item] = await Promise.all([
              call("/api/search?k=20&target=images&image_id=" + encodeURIComponent(id) + inFolder()),
              call("/api/search?k=5&target=captions&image_id=" + encodeURIComponent(id)),
              call("/api/items/" + encodeURIComponent(id))]);
            showCaptions("Captions that match " + id, captions.no_good_match ? captions.nearest : captions.results, "/api/images/" + encodeURIComponent(id), item.path,
              item.taken);
            showImages(similar.results, false, similar.duplicate_groups);
            say(similar.results.length + " images like " + id);
            window.scrollTo(0, 0);
          } catch (error) { say(error.message, true); }
        }
        async function byUpload(file) {
          say("Searching by " + file.name + "…");
          try {
            const [captions, similar] = await Promise.all([
              call("/api/search/image?k=5&target=captions", { method: "POST", body: file }),
              call("/api/search/image?k=20&target=images" + inFolder(), { method: "POST", body: file })]);
            showCaptions("Captions that match " + file.name, captions.no_good_match ? captions.nearest : captions.results, URL.createObjectURL(file));
            showImages(similar.results, false, similar.duplicate_groups);
            say(similar.results.length + " images like " + file.name);
          } catch (error) { say(error.message, true); }
        }
        form.addEventListener("submit", event => { event.preventDefault(); byText(box.value); });
        document.getElementById("file").addEventListener("change", event => { if (event.target.files[0]) byUpload(event.target.files[0]); });
        const adder = document.getElementById("add");
        if (adder) adder.addEventListener("submit", async event => {
          event.preventDefault();
          const file = document.getElementById("addfile").files[0];
          if (!file) { say("Choose a photo to add first.", true); return; }
          const caption = document.getElementById("addcaption").value.trim();
          say("Adding " + file.name + "…");
          try {
            const answer = await call("/api/images" + (caption ? "?caption=" + encodeURIComponent(caption) : ""),
              { method: "POST", body: file, headers: { "Authorization": "Bearer " + document.getElementById("addtoken").value } });
            say("Added " + answer.id + "; the gallery holds " + answer.images + " images.");
          } catch (error) { say(error.message, true); }
        });
        const initial = new URLSearchParams(location.search).get("q");
        if (initial) { box.value = initial; byText(initial); } else { box.focus(); }
        </script></body></html>
        """
}
