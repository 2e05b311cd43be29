// Runs a Python script under real MicroPython (the WebAssembly port) with the firmware's
// pure modules importable, for tests/firmware. Usage:
//   node tests/firmware/run_mpy.mjs <firmware_dir> <script.py> [data_file ...]
// The firmware's .py files (not main.py/boot.py, which need the chip) are copied to /lib;
// each data file is copied to / under its base name. The script's stdout is passed
// through; a Python exception exits with status 1 and its traceback on stderr.
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript/micropython.mjs";

const [firmwareDir, script, ...dataFiles] = process.argv.slice(2);
const mp = await loadMicroPython({
  heapsize: 8 * 1024 * 1024,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
mp.FS.mkdirTree("/lib");
for (const name of readdirSync(firmwareDir)) {
  if (name.endsWith(".py") && !["main.py", "boot.py", "__init__.py"].includes(name)) {
    mp.FS.writeFile(join("/lib", name), readFileSync(join(firmwareDir, name)));
  }
}
for (const file of dataFiles) {
  mp.FS.writeFile("/" + basename(file), readFileSync(file));
}
try {
  mp.runPython(readFileSync(script, "utf8"));
} catch (error) {
  process.stderr.write(`${error.type}: ${error.message}\n`);
  process.exit(1);
}
