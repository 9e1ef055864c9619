// Every form of the differential test, by family.
import type { Form } from "./case";
import { aluForms, unaryForms } from "./forms-alu";
import { shiftForms } from "./forms-shift";
import { mulDivForms, bitForms } from "./forms-muldiv";
import { movForms, xchgForms, ccForms, loopForms } from "./forms-mov";
import { stackForms, stringForms, miscForms } from "./forms-flow";
import { sseForms } from "./forms-sse";
import { x87Forms } from "./forms-x87";
import { mmxForms } from "./forms-mmx";
import { segForms } from "./forms-seg";
import { chainForms } from "./forms-chain";
import { decodeForms } from "./forms-decode";
import { smcForms } from "./forms-smc";
import { infoForms } from "./forms-info";
import { fetchForms } from "./forms-fetch";
import { busyboxForms } from "./forms-busybox";
import { stepForms } from "./forms-step";

export function allForms(): Form[] {
  const forms = [...aluForms(), ...unaryForms(), ...shiftForms(), ...mulDivForms(), ...bitForms(), ...movForms(), ...xchgForms(), ...ccForms(), ...loopForms(), ...stackForms(), ...stringForms(), ...miscForms(), ...segForms(), ...chainForms(), ...decodeForms(), ...smcForms(), ...fetchForms(), ...sseForms(), ...x87Forms(), ...mmxForms(), ...busyboxForms(), ...infoForms()];
  return [...forms, ...stepForms(forms)];
}
