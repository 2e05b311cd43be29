# Runs before main.py. Nothing here may print: the USB serial line carries KRT/1 only.
import esp
import gc

esp.osdebug(None)  # keep the IDF's log lines off the KRT/1 line
gc.collect()
