//! The revision graph as Alembic builds it: one revision per id (the last
//! file by path when several declare it, as Alembic's sorted load keeps the
//! last), edges from a revision to what it revises (`down_revision`) and
//! to what it depends on (`depends_on`, an id or a branch label).
//! Every output is sorted by id.

use std::collections::{BTreeMap, BTreeSet};

use super::read::RevisionFile;

pub(crate) struct Graph<'r> {
    /// The revisions, sorted by id.
    pub revs: Vec<&'r RevisionFile>,
    index: BTreeMap<&'r str, usize>,
    /// Each branch label and the revision that declares it (the first by
    /// path when several do).
    labels: BTreeMap<&'r str, usize>,
    /// `down_revision` edges that resolve.
    down: Vec<Vec<usize>>,
    /// `down_revision` and `depends_on` edges that resolve.
    all: Vec<Vec<usize>>,
}

impl<'r> Graph<'r> {
    /// The graph of `files`, which come sorted by path.
    pub fn new(files: impl IntoIterator<Item = &'r RevisionFile>) -> Graph<'r> {
        let mut by_id: BTreeMap<&'r str, &'r RevisionFile> = BTreeMap::new();
        for file in files {
            by_id.insert(file.revision.as_str(), file);
        }
        let revs: Vec<&'r RevisionFile> = by_id.into_values().collect();
        let index: BTreeMap<&'r str, usize> = revs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.revision.as_str(), i))
            .collect();
        let mut labels: BTreeMap<&'r str, usize> = BTreeMap::new();
        let mut by_path: Vec<usize> = (0..revs.len()).collect();
        by_path.sort_by(|&a, &b| revs[a].path.cmp(&revs[b].path));
        for i in by_path {
            for label in &revs[i].branch_labels {
                labels.entry(label.as_str()).or_insert(i);
            }
        }
        let mut graph = Graph {
            revs,
            index,
            labels,
            down: Vec::new(),
            all: Vec::new(),
        };
        let (down, all) = graph
            .revs
            .iter()
            .map(|r| (graph.down_parents(r), graph.parents(r)))
            .unzip();
        graph.down = down;
        graph.all = all;
        graph
    }

    pub fn id(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The revision a `depends_on` entry names: an id, else a branch label.
    pub fn dependency(&self, name: &str) -> Option<usize> {
        self.id(name).or_else(|| self.labels.get(name).copied())
    }

    /// The revisions `file` revises, that exist.
    pub fn down_parents(&self, file: &RevisionFile) -> Vec<usize> {
        dedup(file.down_revisions.iter().filter_map(|d| self.id(d)))
    }

    /// What Alembic applies before `file`: what it revises and depends on.
    pub fn parents(&self, file: &RevisionFile) -> Vec<usize> {
        dedup(
            file.down_revisions
                .iter()
                .filter_map(|d| self.id(d))
                .chain(file.depends_on.iter().filter_map(|d| self.dependency(d))),
        )
    }

    /// `from` and every revision reachable from it by the `all` edges.
    pub fn ancestors(&self, from: &[usize]) -> BTreeSet<usize> {
        walk(&self.all, from)
    }

    /// The heads: revisions no `down_revision` names (a `depends_on` does
    /// not make one a non-head, as in Alembic).
    pub fn heads(&self) -> Vec<usize> {
        let named: BTreeSet<usize> = self.down.iter().flatten().copied().collect();
        (0..self.revs.len())
            .filter(|i| !named.contains(i))
            .collect()
    }

    /// The branch labels a head carries: those of itself and of every
    /// revision it descends from by `down_revision` (Alembic passes a label
    /// on to the descendants of the revision that declares it).
    pub fn head_labels(&self, head: usize) -> BTreeSet<&'r str> {
        walk(&self.down, &[head])
            .into_iter()
            .flat_map(|i| self.revs[i].branch_labels.iter().map(String::as_str))
            .collect()
    }

    /// The cycles: strongly connected sets of more than one revision, or a
    /// revision that names itself, each sorted, in order of their first.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        let mut cycles: Vec<Vec<usize>> = strongly_connected(&self.all)
            .into_iter()
            .filter(|c| c.len() > 1 || self.all[c[0]].contains(&c[0]))
            .collect();
        for c in &mut cycles {
            c.sort_unstable();
        }
        cycles.sort();
        cycles
    }
}

fn dedup(items: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// Every node reachable from `from` (included) along `edges`.
fn walk(edges: &[Vec<usize>], from: &[usize]) -> BTreeSet<usize> {
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    let mut stack: Vec<usize> = from.to_vec();
    while let Some(node) = stack.pop() {
        if seen.insert(node) {
            stack.extend(edges[node].iter().copied().filter(|n| !seen.contains(n)));
        }
    }
    seen
}

/// Tarjan's strongly connected components, without recursion (a history of
/// thousands of revisions is a chain thousands deep).
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut components = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, position of the next edge to follow)
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(node, edge)) = work.last() {
            if let Some(&to) = edges[node].get(edge) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[to] == UNSEEN {
                    index[to] = next;
                    low[to] = next;
                    next += 1;
                    stack.push(to);
                    on_stack[to] = true;
                    work.push((to, 0));
                } else if on_stack[to] {
                    low[node] = low[node].min(index[to]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn components_of_a_chain_a_loop_and_a_self_loop() {
        // 0 -> 1 -> 2 -> 1, 3 -> 3, 4 alone
        let edges = vec![vec![1], vec![2], vec![1], vec![3], vec![]];
        let mut components: Vec<Vec<usize>> = strongly_connected(&edges)
            .into_iter()
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        components.sort();
        assert_eq!(components, vec![vec![0], vec![1, 2], vec![3], vec![4]]);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000;
        let edges: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![0] })
            .collect();
        let components = strongly_connected(&edges);
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].len(), n);
    }
}
