// The door page's script: read a pass's QR code from the camera or a photo (the browser's own
// BarcodeDetector where it reads QR codes, else the bundled jsQR), show its party, and let
// people in without reloading. A check-in that can't reach the server (no network) is kept
// in this device's storage and sent when the network is back; each carries its own id
// (client_id), so one sent twice is still one check-in. Without it, the page's forms work.
(function () {
  "use strict";

  var SCAN_EVERY_MS = 250;
  var SAME_CODE_MS = 4000;  // the camera reads a pass many times a second: once is enough
  var RETRY_MS = 15000;
  var MAX_SIDE = 1280;  // photos are scaled down to this before decoding
  var root, queueKey, detector = null, canvas = document.createElement("canvas");
  var lastLookup = null, lastCode = "", lastCodeAt = 0, stream = null, flushing = false;

  // The page's words for `key` (door.html's data-words), its {names} filled from `values`.
  function word(key, values) {
    var words = JSON.parse(root.getAttribute("data-words") || "{}");
    return (words[key] || key).replace(/\{(\w+)\}/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = crypto.getRandomValues(new Uint8Array(16));  // plain HTTP has no randomUUID
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function deviceName() {
    var name = (localStorage.getItem("door-device-name") || "").trim();
    var id = localStorage.getItem("door-device-id");
    if (!id) {
      id = "door-" + newId().slice(0, 8);
      localStorage.setItem("door-device-id", id);
    }
    return name || id;
  }

  function say(selector, text, kind) {
    var node = root.querySelector(selector);
    node.textContent = text || "";
    node.hidden = !text;
    if (kind) {
      node.setAttribute("data-kind", kind);
    }
  }

  // Decoding: a frame or a photo drawn on a canvas, read by the native detector or jsQR.
  function prepareDetector() {
    if (!("BarcodeDetector" in window)) {
      return Promise.resolve();
    }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") !== -1) {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      }
    }).catch(function () {});
  }

  function decode(source, width, height) {
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    if (detector) {
      return detector.detect(canvas).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    }
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
    return Promise.resolve(found ? found.data : null);
  }

  function scanned(code) {
    var now = Date.now();
    if (code === lastCode && now - lastCodeAt < SAME_CODE_MS) {
      return;
    }
    lastCode = code;
    lastCodeAt = now;
    root.querySelector("#door-code").value = code;
    say("[data-scan-status]", word("read", { code: code }));
    lookup(new URLSearchParams({ code: code }));
  }

  function scanPhoto(input) {
    var file = input.files && input.files[0];
    if (!file) {
      return;
    }
    say("[data-scan-status]", word("reading"));
    createImageBitmap(file).then(function (bitmap) {
      return decode(bitmap, bitmap.width, bitmap.height);
    }).then(function (code) {
      if (code) {
        lastCode = "";  // a photo is scanned on purpose: look it up even if just read
        scanned(code.trim());
      } else {
        say("[data-scan-status]", word("no_qr"));
      }
    }).catch(function () {
      say("[data-scan-status]", word("not_picture"));
    });
    input.value = "";
  }

  function startCamera() {
    var video = root.querySelector("[data-video]");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("[data-scan-status]", word("no_https"));
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
      stream = media;
      video.srcObject = media;
      root.querySelector("[data-camera]").hidden = false;
      root.querySelector("[data-camera-start]").hidden = true;
      root.querySelector("[data-camera-stop]").hidden = false;
      say("[data-scan-status]", word("point"));
      return video.play().then(function () { watch(video); });
    }).catch(function () {
      say("[data-scan-status]", word("no_camera"));
    });
  }

  function stopCamera() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    stream = null;
    root.querySelector("[data-camera]").hidden = true;
    root.querySelector("[data-camera-start]").hidden = false;
    root.querySelector("[data-camera-stop]").hidden = true;
  }

  function watch(video) {
    if (!stream) {
      return;
    }
    var next = function () { window.setTimeout(function () { watch(video); }, SCAN_EVERY_MS); };
    if (!video.videoWidth) {
      next();
      return;
    }
    decode(video, video.videoWidth, video.videoHeight).then(function (code) {
      if (code) {
        scanned(code.trim());
      }
    }).catch(function () {}).then(next);
  }

  // The party: the door page's own card, fetched and swapped in.
  function lookup(params) {
    lastLookup = params;
    var url = root.getAttribute("data-door-url") + "?" + params.toString();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (response) {
      if (response.status === 401 || response.redirected) {
        window.location.href = url;
        return;
      }
      return response.text().then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("door-result");
        var result = root.querySelector("#door-result");
        result.innerHTML = fresh ? fresh.innerHTML : "";
        if (result.firstElementChild) {
          result.firstElementChild.scrollIntoView({ block: "nearest" });  // below the scanner on a phone
        }
      });
    }).catch(function () {
      offlineCard(params.get("code"));
    });
  }

  function offlineCard(code) {
    var result = root.querySelector("#door-result");
    result.textContent = "";
    if (!code) {
      say("[data-door-message]", word("no_network_search"), "refused");
      return;
    }
    var card = document.createElement("section");
    card.className = "card door-party door-party-offline";
    card.innerHTML = "<h2>No network</h2><p>Pass <code></code> read. Who it is can't be checked now;" +
      " letting the party in is kept on this device and sent when the network is back" +
      " (a pass already used is refused then).</p>";
    card.querySelector("code").textContent = code;
    var form = document.createElement("form");
    form.setAttribute("data-admit", "");
    form.innerHTML = "<input type='hidden' name='code'><button type='submit' class='btn btn-primary'>Let everyone on this pass in</button>";
    form.querySelector("input").value = code;
    card.appendChild(form);
    result.appendChild(card);
  }

  // Letting people in: posted now, or kept for later when the network is down.
  function admit(form) {
    var fields = {};
    new FormData(form).forEach(function (value, key) { fields[key] = value; });
    fields.client_id = newId();
    fields.device = deviceName();
    fields.scanned_at = new Date().toISOString();
    fields.csrf_token = fields.csrf_token || root.getAttribute("data-csrf");
    form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    post(fields).then(function (answer) {
      say("[data-door-message]", answer.message, answer.ok ? "ok" : "refused");
      return lastLookup ? lookup(lastLookup) : null;
    }).catch(function () {
      fields.kept = "1";  // the people are in: the server records what is left of the party
      keep(fields);
      say("[data-door-message]", word("kept"), "waiting");
    });
  }

  function post(fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(root.getAttribute("data-checkin-url"), {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return { message: word("refused", { status: response.status }) }; })
        .then(function (answer) { answer.ok = response.ok; return answer; });
    });
  }

  function queued() {
    try {
      return JSON.parse(localStorage.getItem(queueKey) || "[]");
    } catch (error) {
      return [];
    }
  }

  function store(items) {
    localStorage.setItem(queueKey, JSON.stringify(items));
    var n = items.length;
    say("[data-queue]", n ? word(n === 1 ? "queue_one" : "queue_other", { n: n }) : "");
  }

  function keep(fields) {
    store(queued().concat([fields]));
  }

  // Send what was kept, oldest first, with a fresh token (a kept one may have expired).
  function flush() {
    if (flushing || !queued().length) {
      return;
    }
    flushing = true;
    fetch(root.getAttribute("data-door-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html").getElementById("door");
        var token = page && page.getAttribute("data-csrf");
        if (!token) {
          throw new Error("signed out");
        }
        return sendKept(token, [], true);
      })
      .catch(function () {})
      .then(function () { flushing = false; });
  }

  function sendKept(token, said, allOk) {
    var items = queued();
    if (!items.length) {
      say("[data-door-message]", word("sent_kept", { said: said.join(" ") }), allOk ? "ok" : "refused");
      return lastLookup ? lookup(lastLookup) : null;
    }
    var fields = items[0];
    fields.csrf_token = token;
    return post(fields).then(function (answer) {
      store(queued().slice(1));  // answered (let in, or refused): settled
      said.push(answer.message);
      return sendKept(token, said, allOk && answer.ok);
    });
  }

  function wire() {
    root.querySelector("[data-scan-buttons]").hidden = false;
    root.querySelector("[data-camera-start]").addEventListener("click", startCamera);
    root.querySelector("[data-camera-stop]").addEventListener("click", stopCamera);
    root.querySelector("[data-photo]").addEventListener("change", function (event) { scanPhoto(event.target); });
    root.querySelectorAll("form[data-door-lookup]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        say("[data-door-message]", "");
        lookup(new URLSearchParams(new FormData(form)));
      });
    });
    root.addEventListener("submit", function (event) {
      if (event.target.matches("form[data-admit]")) {
        event.preventDefault();
        admit(event.target);
      }
    });
    root.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-door-link]");
      if (link) {
        event.preventDefault();
        lookup(new URL(link.href).searchParams);
      }
    });
    var name = root.querySelector("[data-device-name]");
    name.value = localStorage.getItem("door-device-name") || "";
    name.placeholder = deviceName();
    name.addEventListener("change", function () { localStorage.setItem("door-device-name", name.value.trim()); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("door");
    if (!root || !window.fetch || !window.localStorage) {
      return;
    }
    queueKey = "door-queue-" + root.getAttribute("data-event");
    var initial = new URLSearchParams(window.location.search);
    lastLookup = initial.toString() ? initial : null;
    wire();
    store(queued());
    prepareDetector();
    window.addEventListener("online", flush);
    window.setInterval(flush, RETRY_MS);
    flush();
  });
})();
