"""Flask extensions that keep their per-app state in the app, created unbound and attached
in create_app. Socket.IO is not among them: each app builds its own server
(`scoreboard.app._live_state`), which then is ``app.extensions["socketio"]``."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
