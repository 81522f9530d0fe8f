// The dashboard's small script: local times, the browser's time zone in forms, confirmations,
// the pre-flight's button, live campaign pages and arrivals, and a question's choices shown when it has them. Every page works without it.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var PAUSED_POLL_MS = 5000;
  var SCHEDULED_POLL_MS = 30000;  // a scheduled campaign, until it is this close to its time:
  var SCHEDULED_NEAR_MS = 300000;  // then as often as a running one, to show it start at once
  var MAX_BACKOFF_MS = 15000;
  var ARRIVALS_POLL_MS = 4000;
  var SEGMENTS = ["accepted", "failed", "canceled", "sending"];

  function localizeTimes(root) {
    var format;
    try {
      // In the dashboard's language (the page's, not the browser's), the reader's zone named.
      format = new Intl.DateTimeFormat(document.documentElement.lang || "en", {
        year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
        timeZoneName: "short"
      });
    } catch (error) {
      return;
    }
    // A time of an event's page stays in the event's own zone (data-event-zone), named.
    root.querySelectorAll("time[datetime]:not([data-event-zone])").forEach(function (node) {
      var value = new Date(node.getAttribute("datetime"));
      if (isNaN(value.getTime())) {
        return;
      }
      node.title = node.textContent;
      node.textContent = format.format(value);
    });
  }

  function fillTimeZones() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (!zone) {
      return;
    }
    document.querySelectorAll("[data-time-zone-form]").forEach(function (form) {
      var input = form.querySelector("[data-time-zone]");
      if (input && !input.value) {
        input.value = zone;  // proposed; the organiser may pick the event's own zone
      }
      var hint = form.querySelector("#starts_at-hint");
      if (hint) {
        // The page's own words, in its language ("Time zone: {zone}").
        var label = form.getAttribute("data-zone-hint") || "{zone}";
        hint.textContent = label.replace("{zone}", zone);
      }
    });
  }

  function confirmDangerousForms(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  // The pre-flight's button says what it will do: "Schedule" once a time is entered.
  function followSendTime() {
    document.querySelectorAll("button[data-schedule-label]").forEach(function (button) {
      var input = button.form && button.form.querySelector("input[name='send_at']");
      if (!input) {
        return;
      }
      function update() {
        // An incomplete date has no value: the form would send now, and the button says so.
        var label = button.getAttribute(input.value ? "data-schedule-label" : "data-send-label");
        if (button.textContent !== label) {
          button.textContent = label;
        }
      }
      input.addEventListener("input", update);
      input.addEventListener("change", update);
      update();
    });
  }

  // Numbers as the page's language writes them, in Latin digits (as the server does).
  var PAGE_LANGUAGE = document.documentElement.lang || "en";

  function formatNumber(value) {
    try {
      return Number(value).toLocaleString(PAGE_LANGUAGE + "-u-nu-latn");
    } catch (error) {
      return Number(value).toLocaleString("en-US");
    }
  }

  // A count with its noun in the page's language: `forms` holds the text of each plural
  // category ({count} for the number), as the server wrote them (`counted_forms`).
  function countedText(value, forms) {
    var category = "other";
    try {
      category = new Intl.PluralRules(PAGE_LANGUAGE).select(value);
    } catch (error) {
      category = value === 1 ? "one" : "other";
    }
    var text = forms ? forms[category] || forms.other : "{count}";
    return text.replace("{count}", formatNumber(value));
  }

  // "45 s", "12 min", "2 h 5 min", with the units in the page's language.
  function formatUnit(value, unit) {
    try {
      if (PAGE_LANGUAGE === "en") {
        throw new Error("English says it as the server does");
      }
      return new Intl.NumberFormat(PAGE_LANGUAGE + "-u-nu-latn", { style: "unit", unit: unit, unitDisplay: "short" }).format(value);
    } catch (error) {
      return value + " " + { second: "s", minute: "min", hour: "h" }[unit];
    }
  }

  function formatDuration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) {
      return formatUnit(seconds, "second");
    }
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) {
      return formatUnit(minutes, "minute");
    }
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    return minutes ? formatUnit(hours, "hour") + " " + formatUnit(minutes, "minute") : formatUnit(hours, "hour");
  }

  function setText(root, selector, text) {
    root.querySelectorAll(selector).forEach(function (node) {
      if (node.textContent !== text) {
        node.textContent = text;
      }
    });
  }

  function renderBar(root, status) {
    var bar = root.querySelector("[data-field='progressbar']");
    if (!bar) {
      return;
    }
    bar.setAttribute("aria-valuemax", String(status.total));
    bar.setAttribute("aria-valuenow", String(status.settled));
    bar.setAttribute("aria-valuetext", status.settled + " of " + status.total + " done");
    var x = 0;
    SEGMENTS.forEach(function (state) {
      var rect = bar.querySelector("[data-segment='" + state + "']");
      var width = status.shares[state] || 0;
      if (rect) {
        rect.setAttribute("x", x.toFixed(3));
        rect.setAttribute("width", width.toFixed(3));
      }
      x += width;
    });
  }

  function renderErrors(root, errors) {
    var body = root.querySelector("[data-field='errors'] tbody");
    if (!body || !errors.length) {
      return;
    }
    body.textContent = "";
    errors.forEach(function (error) {
      var row = document.createElement("tr");
      [error.code || "—", error.reason || "", String(error.count)].forEach(function (text, i) {
        var cell = document.createElement("td");
        cell.textContent = text;
        if (i === 2) {
          cell.className = "num";
        }
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  function renderStatus(root, status) {
    root.setAttribute("data-state", status.state);
    renderBar(root, status);
    setText(root, "[data-field='percent']", status.percent_text);
    setText(root, "[data-field='settled']", formatNumber(status.settled));
    setText(root, "[data-field='total']", formatNumber(status.total));
    Object.keys(status.counts).forEach(function (state) {
      setText(root, "[data-count='" + state + "']", formatNumber(status.counts[state]));
    });
    status.funnel.forEach(function (stage) {
      var row = root.querySelector("[data-funnel='" + stage.key + "']");
      if (row) {
        row.querySelector("[data-bar-fill]").setAttribute("width", stage.share.toFixed(3));
        setText(row, "[data-bar-value]", formatNumber(stage.count));
      }
    });
    var badge = root.querySelector("[data-field='state-badge']");
    if (badge) {
      badge.className = "badge badge-state-" + status.state;
      var labels = JSON.parse(root.getAttribute("data-state-labels") || "{}");
      badge.textContent = labels[status.state] || status.state;
    }
    var eta = root.querySelector("[data-field='eta']");
    if (eta) {
      eta.hidden = !status.seconds_left;
      if (status.seconds_left) {
        setText(root, "[data-field='seconds-left']", formatDuration(status.seconds_left));
      }
    }
    root.querySelectorAll("form[data-action]").forEach(function (form) {
      form.hidden = status.actions.indexOf(form.getAttribute("data-action")) === -1;
    });
    renderErrors(root, status.errors);
  }

  function scheduledDelay(sendAt) {
    var due = new Date(sendAt).getTime() - Date.now();
    return isNaN(due) || due < SCHEDULED_NEAR_MS ? POLL_MS : SCHEDULED_POLL_MS;
  }

  // A campaign's page follows it without a reload: its counts in place while its state
  // holds; the page as the server renders it (fetched, swapped in) when it starts, pauses,
  // ends, is moved, or sends its first message ("Started" is that time, in the event's zone).
  function pollCampaign(initial) {
    var root = initial;
    var url = root.getAttribute("data-progress-url");
    var delay = POLL_MS;
    var settleChecks = 2;
    var startShown = false;

    function schedule() {
      window.setTimeout(tick, delay);
    }

    function showPage() {
      return fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("page " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("campaign");
          if (!fresh) {
            throw new Error("no campaign on the page");  // signed out: the next poll says so
          }
          var adopted = document.importNode(fresh, true);
          root.replaceWith(adopted);
          root = adopted;
          localizeTimes(root);
          confirmDangerousForms(root);
        });
    }

    function show(status) {
      var claimed = status.counts.sending + status.counts.accepted > 0;
      var starting = root.getAttribute("data-started") === "no" && claimed && !startShown;
      var moved = (status.send_at || "") !== root.getAttribute("data-send-at");
      if (status.state === root.getAttribute("data-state") && !starting && !moved) {
        renderStatus(root, status);
        return Promise.resolve();
      }
      return showPage().then(function () {
        startShown = startShown || starting;
      });
    }

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 401) {
            window.location.reload();
            return null;
          }
          if (!response.ok) {
            throw new Error("progress " + response.status);
          }
          return response.json();
        })
        .then(function (status) {
          if (!status) {
            return;
          }
          return show(status).then(function () {
            var state = status.state;
            delay = POLL_MS;
            // Keep polling while it waits, runs or is paused (sends in flight still land,
            // deliveries still come back), and a little after it ends, for the last reports.
            if (state === "paused") {
              delay = PAUSED_POLL_MS;
            } else if (state === "scheduled") {
              delay = scheduledDelay(status.send_at);
            }
            if (state === "running" || state === "paused" || state === "scheduled" || settleChecks-- > 0) {
              schedule();
            }
          });
        })
        .catch(function () {
          delay = Math.min(delay * 2, MAX_BACKOFF_MS);
          schedule();
        });
    }

    if (["scheduled", "running", "paused"].indexOf(root.getAttribute("data-state")) !== -1) {
      schedule();
    }
  }

  // A question answered in the guest's own words has no choices: hide their fields.
  function followQuestionKind() {
    var kind = document.querySelector("#question-form select[name=kind]");
    if (!kind) {
      return;
    }
    function show() {
      document.querySelectorAll("[data-choices-field]").forEach(function (field) {
        field.hidden = kind.value === "text";
      });
    }
    kind.addEventListener("change", show);
    show();
  }

  // The event page's "Arrived: N of M people" follows the door without a reload.
  function followArrivals(node) {
    var url = node.getAttribute("data-arrivals-url");
    var forms = JSON.parse(node.getAttribute("data-expected-forms") || "null");
    var delay = ARRIVALS_POLL_MS;
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("arrivals " + response.status);
          }
          return response.json();
        })
        .then(function (arrived) {
          setText(node, "[data-arrived]", formatNumber(arrived.checked_in));
          setText(node, "[data-expected]", countedText(arrived.expected, forms));
          delay = ARRIVALS_POLL_MS;
        })
        .catch(function () {
          delay = Math.min(delay * 2, MAX_BACKOFF_MS * 4);
        })
        .then(function () {
          window.setTimeout(tick, delay);
        });
    }
    window.setTimeout(tick, delay);
  }

  // A form whose choices change a count the page shows (who hears an update): counted
  // again by the server as soon as a choice changes.
  function autosubmitForms(root) {
    root.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function () {
        form.submit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localizeTimes(document);
    autosubmitForms(document);
    fillTimeZones();
    confirmDangerousForms(document);
    followSendTime();
    followQuestionKind();
    var campaign = document.getElementById("campaign");
    if (campaign && window.fetch) {
      pollCampaign(campaign);
    }
    var arrivals = document.getElementById("arrivals");
    if (arrivals && window.fetch) {
      followArrivals(arrivals);
    }
  });
})();
