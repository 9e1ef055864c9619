// Every form of the differential test, by family.
import type { Form } from "./case";
import { aluForms, unaryForms } from "./forms-alu";

export function allForms(): Form[] {
  return [...aluForms(), ...unaryForms()];
}
