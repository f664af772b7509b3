import { runConformance } from './suite.ts';
import { targets } from './targets.ts';

runConformance(targets.postmark);
