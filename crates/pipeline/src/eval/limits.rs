//! The evaluator's depth and work limits. Every expression and statement evaluated is one step, counted
//! in [`Evaluator::eval`] and [`Evaluator::exec_stmt`] (loop iterations and comprehension items evaluate
//! at least one each; the items a `range()` makes count too), and their nesting across calls is bounded,
//! so that no pipeline code makes the evaluator loop for long or overflow its stack. Each stop is a
//! [`Stop::Limit`] at the expression being evaluated.

use kdvc_python::Module;
use tree_sitter::Node as TsNode;

use super::{Evaluator, Flow, Frame, R, Stop};
use crate::value::Value;

/// Steps (expressions and statements evaluated, plus the items `range()` makes) for reading all the
/// pipelines of a project. The fixture projects take at most about 300; a loop of 100,000 iterations
/// with one statement in its body stops here. About half a second in a debug build.
pub(super) const MAX_STEPS: usize = 250_000;

/// Expressions and statements evaluated inside one another, across calls. Each file's syntax nests at
/// most [`kdvc_python::MAX_SYNTAX_DEPTH`] levels; this bounds calls of deeply nested code inside one
/// another, and with it the stack the evaluator uses (it runs on a thread of its own with a large stack:
/// debug builds take tens of KiB per level).
pub(super) const MAX_NESTING: usize = 600;

const LIMIT_HINT: &str = "kdvc evaluates pipeline code without running Python, within fixed limits so that \
                          it never hangs; build the pipelines with fewer steps (smaller loops, less nesting)";

impl<'a> Evaluator<'a> {
    /// Evaluates an expression (one step, one level of nesting).
    pub(super) fn eval(&mut self, f: &mut Frame<'a>, n: TsNode<'a>) -> R<Value<'a>> {
        self.enter(f.module, n)?;
        let r = self.eval_node(f, n);
        self.nesting -= 1;
        r
    }

    /// Executes a statement (one step, one level of nesting).
    pub(super) fn exec_stmt(&mut self, f: &mut Frame<'a>, s: TsNode<'a>) -> R<Flow<'a>> {
        self.enter(f.module, s)?;
        let r = self.exec_node(f, s);
        self.nesting -= 1;
        r
    }

    fn enter(&mut self, m: &Module, n: TsNode<'_>) -> R<()> {
        self.spend(m, n, 1)?;
        if self.nesting >= MAX_NESTING {
            return Err(self.limit(
                m,
                n,
                format!(
                    "expressions, statements and calls nest deeper than the limit of {MAX_NESTING} \
                     levels here"
                ),
            ));
        }
        self.nesting += 1;
        Ok(())
    }

    /// Counts `steps` more steps (the items of a `range()`, say), stopping at [`MAX_STEPS`].
    pub(super) fn spend(&mut self, m: &Module, n: TsNode<'_>, steps: usize) -> R<()> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > MAX_STEPS {
            return Err(self.limit(
                m,
                n,
                format!(
                    "reading the pipelines takes more than the limit of {MAX_STEPS} evaluation steps \
                     (expressions, statements, loop iterations); this is where it ran out"
                ),
            ));
        }
        Ok(())
    }

    fn limit(&self, m: &Module, n: TsNode<'_>, message: String) -> Stop {
        Stop::Limit(self.diag(m, n, message, LIMIT_HINT))
    }
}
