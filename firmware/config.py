"""Settings of one timer box. Edit before flashing; ``CFG`` frames override the two
tunables at run time and those overrides persist in ``CFG_FILE``."""

DEVICE = "esp32-a"      # the source name the scoreboard's event file refers to
GATE_PINS = (25, 26, 27)  # gate 0, 1, 2: GPIOs with the break-beam receivers' outputs
PULL_UP = True          # the receivers are open-collector: enable the internal pull-up
BROKEN_LEVEL = 1        # pin level while the beam is broken (open-collector released)
DEBOUNCE_US = 2000      # leading-edge lockout per gate
STUCK_MS = 5000         # a beam broken this long reports ERR,STUCK
HW_COUNTERS = True      # count edges in the PCNT too, to detect missed callbacks
RING_SIZE = 512         # raw edges buffered between the callback and the loop
UNACKED = 1024          # events kept until the host acks them (contract: >= 256)
WDT_MS = 5000           # watchdog timeout; the loop feeds it every pass
SAFE_PIN = 0            # BOOT button: held low at reset, main.py exits to the REPL
CFG_FILE = "kejurda_cfg.json"
