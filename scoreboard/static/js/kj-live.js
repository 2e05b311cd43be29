/* Shared by every page that follows the championship live: one /live Socket.IO
   connection (read-only, anyone), its state shown on an optional badge, and the
   handlers a page gives for the events it cares about (run, ranking, bracket, ...). */
(function () {
  "use strict";
  /* connect({run: fn, ranking: fn, ...}, {badge: element, onConnect: fn, onDisconnect: fn})
     -> the socket. `badge.dataset.state` follows the connection: "online" / "offline". */
  function connect(handlers, options) {
    options = options || {};
    var socket = window.io("/live", {transports: ["websocket", "polling"]});
    var badge = options.badge || null;
    socket.on("connect", function () {
      if (badge) { badge.dataset.state = "online"; }
      if (options.onConnect) { options.onConnect(); }
    });
    socket.on("disconnect", function () {
      if (badge) { badge.dataset.state = "offline"; }
      if (options.onDisconnect) { options.onDisconnect(); }
    });
    Object.keys(handlers || {}).forEach(function (event) { socket.on(event, handlers[event]); });
    return socket;
  }

  window.KJLive = {connect: connect};
})();
