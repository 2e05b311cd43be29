// Check-in desk: scan the team's QR with the tablet camera where the browser has
// BarcodeDetector; otherwise (or on any error) the desk types the code.
(function () {
  "use strict";
  var start = document.getElementById("scanner-start");
  var stop = document.getElementById("scanner-stop");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var input = document.getElementById("code");
  var form = document.getElementById("checkin-form");
  var stream = null, timer = null;

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !start) return;
  start.hidden = false;

  function close() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    box.hidden = true;
    start.hidden = false;
  }

  function scan(detector) {
    detector.detect(video).then(function (codes) {
      var found = codes.length && codes[0].rawValue;
      if (found) {
        input.value = found.trim();
        close();
        form.submit();
        return;
      }
      timer = setTimeout(function () { scan(detector); }, 250);
    }).catch(function () { timer = setTimeout(function () { scan(detector); }, 500); });
  }

  start.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      box.hidden = false;
      start.hidden = true;
      return video.play();
    }).then(function () { scan(detector); }).catch(function () { close(); input.focus(); });
  });
  stop.addEventListener("click", close);
})();
