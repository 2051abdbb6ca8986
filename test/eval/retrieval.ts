/**
 * Retrieval alone, without the model: for each question and context budget, whether the packer puts the answer's
 * lines into the context. Deterministic and fast (seconds), so it runs at several budgets, including ones too
 * large for the model part of the eval on a small machine.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildContext } from '../../server/context/buildContext';
import type { RepoIndex } from '../../server/index/repoIndex';
import type { EvalQuestion } from './questions';
import { contextHit, lineOfMatch } from './scoring';

export interface RetrievalRow {
  budget: number;
  hits: number;
  total: number;
  missed: string[];
}

export function retrievalAtBudgets(
  questions: { q: EvalQuestion; root: string; index: RepoIndex }[],
  budgets: number[],
  countTokens: (text: string) => number,
): RetrievalRow[] {
  return budgets.map((budget) => {
    const missed: string[] = [];
    for (const { q, root, index } of questions) {
      const line = lineOfMatch(fs.readFileSync(path.join(root, q.file), 'utf8'), q.pattern);
      if (line === undefined) throw new Error(`${q.id}: ${q.pattern} matches nothing in ${q.file}; fix the question.`);
      const ctx = buildContext(index, { question: q.question, budgetTokens: budget, countTokens, focus: q.focusFolder ? { folder: q.focusFolder } : undefined });
      if (!contextHit(ctx.chunks, { file: q.file, startLine: line, endLine: line + (q.extraLines ?? 0) })) missed.push(q.id);
    }
    return { budget, hits: questions.length - missed.length, total: questions.length, missed };
  });
}
