// Informational forms: run on both sides and reported, but not asserted,
// because the emulator does not claim them or their exact bits are
// implementation-specific. They are here so the gap stays visible:
// - x87 transcendentals (F2XM1, FYL2X, FPTAN, FPATAN, FYL2XP1, FSIN, FCOS,
//   FSINCOS): their last bits differ between CPU vendors and generations.
import type { Form } from "./case";
import { x87Form } from "./forms-x87";

export function infoForms(): Form[] {
  const out: Form[] = [];
  const h = (v: number): string => v.toString(16).toUpperCase().padStart(2, "0");
  const why = "transcendental results are implementation-specific in the last bits";
  for (const [mn, byte] of [["F2XM1", 0xf0], ["FYL2X", 0xf1], ["FPTAN", 0xf2], ["FPATAN", 0xf3], ["FYL2XP1", 0xf9], ["FSINCOS", 0xfb], ["FSIN", 0xfe], ["FCOS", 0xff]] as const) {
    out.push(x87Form({ family: "info-x87", informational: why, name: `${mn} (D9 ${h(byte)})`, op: [0xd9], reg: byte, fixed: true, n: 100 }));
  }
  return out;
}
