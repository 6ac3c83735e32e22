//! Decorated node functions: first-party decorators applied as Python applies them, innermost first.
//!
//! A decorator (or a decorator factory's result, `@retry(times=3)`) that is a project function is called on
//! the function. What it returns decides what Kedro sees: the function itself (a decorator that registers
//! and returns it unchanged), or a wrapper defined with `@functools.wraps(f)` around it, which carries the
//! wrapped function's `__name__` and `__module__` but binds the node's inputs with its own signature
//! (Kedro reads it with `follow_wrapped=False`). Anything else, and any decorator from outside the
//! project, is a diagnostic at the decorator.

use std::rc::Rc;

use kdvc_python::NodeExt;
use tree_sitter::Node as TsNode;

use super::{Evaluator, Frame, R};
use crate::value::{FuncDef, Value, WrappedVal};

impl<'a> Evaluator<'a> {
    /// The value a decorated `def` stands for, after its decorators.
    pub(super) fn undecorate(&mut self, def: &Rc<FuncDef<'a>>) -> R<Value<'a>> {
        let m = def.module;
        let Some(outer) = def
            .node
            .parent()
            .filter(|p| p.kind_str() == "decorated_definition")
        else {
            return self.fail(
                m,
                def.node,
                format!("cannot find the decorators of `{}`", def.name),
            );
        };
        let mut decorators: Vec<TsNode<'a>> = {
            let mut cursor = outer.walk();
            outer
                .named_children(&mut cursor)
                .filter(|c| c.kind_str() == "decorator")
                .collect()
        };
        decorators.reverse();
        let bare = Rc::new(FuncDef {
            module: m,
            name: def.name.clone(),
            node: def.node,
            decorated: false,
            closure: def.closure.clone(),
        });
        let mut current = Value::Func(bare);
        for d in decorators {
            let Some(expr) = d.named_child(0) else {
                return self.fail(m, d, "empty decorator");
            };
            let mut frame = Frame {
                module: m,
                locals: foldhash::HashMap::default(),
                closure: def.closure.clone(),
            };
            let deco = self.eval(&mut frame, expr)?;
            let deco = match deco {
                Value::Func(f) if !f.decorated => f,
                Value::External(q) => {
                    return self.fail(
                        m,
                        expr,
                        format!(
                            "decorator `{q}` of node function `{}` comes from outside the project; kdvc cannot tell what it does to the function's name, module and signature",
                            def.name
                        ),
                    );
                }
                other => {
                    return self.fail(
                        m,
                        expr,
                        format!(
                            "a {} used as the decorator of `{}` is not a decorator kdvc can follow",
                            other.type_name(),
                            def.name
                        ),
                    );
                }
            };
            let result = self.call_function(&deco, vec![current.clone()], Vec::new(), m, expr)?;
            current = self.applied(m, expr, &current, result)?;
        }
        Ok(current)
    }

    /// What a decorator returned for `input`: the same function, or a `functools.wraps` wrapper of it.
    fn applied(
        &mut self,
        m: &'a kdvc_python::Module,
        at: TsNode<'a>,
        input: &Value<'a>,
        result: Value<'a>,
    ) -> R<Value<'a>> {
        if same(input, &result) {
            return Ok(result);
        }
        let unsupported = |this: &Self| {
            this.fail(
                m,
                at,
                "this decorator returns something other than the function or a `functools.wraps` wrapper of it; kdvc cannot tell the node's name and signature",
            )
        };
        let Value::Func(wrapper) = result else {
            return unsupported(self);
        };
        if !wrapper.decorated {
            return unsupported(self);
        }
        let Some(outer) = wrapper
            .node
            .parent()
            .filter(|p| p.kind_str() == "decorated_definition")
        else {
            return unsupported(self);
        };
        let decorators: Vec<TsNode<'a>> = {
            let mut cursor = outer.walk();
            outer
                .named_children(&mut cursor)
                .filter(|c| c.kind_str() == "decorator")
                .collect()
        };
        let [d] = decorators.as_slice() else {
            return unsupported(self);
        };
        let Some(call) = d.named_child(0).filter(|c| c.kind_str() == "call") else {
            return unsupported(self);
        };
        let wm = wrapper.module;
        let mut frame = Frame {
            module: wm,
            locals: foldhash::HashMap::default(),
            closure: wrapper.closure.clone(),
        };
        let Some(callee) = call.field(kdvc_python::grammar::fields().function) else {
            return unsupported(self);
        };
        if !matches!(self.eval(&mut frame, callee)?, Value::External(q) if q == "functools.wraps") {
            return unsupported(self);
        }
        let args = call.field(kdvc_python::grammar::fields().arguments);
        let first = args.and_then(|a| {
            let mut cursor = a.walk();
            a.named_children(&mut cursor)
                .find(|c| c.kind_str() != "comment")
        });
        let Some(first) = first else {
            return unsupported(self);
        };
        let wrapped = self.eval(&mut frame, first)?;
        if !same(input, &wrapped) {
            return unsupported(self);
        }
        let original = match input {
            Value::Func(f) => f.clone(),
            Value::Wrapped(w) => w.original.clone(),
            _ => return unsupported(self),
        };
        let bare = Rc::new(FuncDef {
            module: wrapper.module,
            name: wrapper.name.clone(),
            node: wrapper.node,
            decorated: false,
            closure: wrapper.closure.clone(),
        });
        Ok(Value::Wrapped(Rc::new(WrappedVal {
            original,
            wrapper: bare,
        })))
    }
}

/// Whether two values are the same function object.
fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Wrapped(x), Value::Wrapped(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}
