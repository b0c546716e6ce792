// Starts the run with an empty log of policy violations (see policy.ts).
import { setup } from "./policy";
export default setup;
