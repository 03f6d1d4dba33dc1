# Practice lab only. The linear strategy, except that the task named by "failTask" in the lab's
# faults.json is swapped for ansible.builtin.fail just before it runs, so its TASK header and
# `fatal:` line look like any failing task.
import json
import os

from ansible.plugins.strategy.linear import StrategyModule as LinearStrategyModule


class StrategyModule(LinearStrategyModule):
    def _queue_task(self, host, task, task_vars, play_context):
        # <lab>/playbook/strategy_plugins/lab_linear.py -> <lab>/faults.json
        faults_file = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'faults.json')
        if os.path.exists(faults_file):
            with open(faults_file) as f:
                fail_task = json.load(f).get('failTask')
            if fail_task and task.name == fail_task:
                task = task.copy()
                task.action = 'ansible.builtin.fail'
                task.resolved_action = 'ansible.builtin.fail'
                task.args = {'msg': 'Practice lab fault: task "%s" was set to fail (faults.json failTask)' % fail_task}
        return super()._queue_task(host, task, task_vars, play_context)
