/** Config files as operators have them, for the INI editor's tests. */

/** A packaged cinder.conf after an operator's edits: generator comments, an LVM backend, other services' sections. */
export const CINDER_CONF = `[DEFAULT]

#
# From cinder
#

# The maximum number of items that a collection resource returns in a single
# response (integer value)
#osapi_max_limit = 1000

# Top-level directory for maintaining cinder's state (string value)
state_path = /var/lib/cinder
rootwrap_config = /etc/cinder/rootwrap.conf
api_paste_config = /etc/cinder/api-paste.ini
auth_strategy = keystone
my_ip = 10.0.0.11
# A list of backend names to use. These backend names should be backed by a
# unique [CONFIG] group with its options (list value)
enabled_backends = lvm
transport_url=rabbit://openstack:secret@controller
; legacy comment style
debug = false

[backend_defaults]
# The backend name for a given driver implementation (string value)
#volume_backend_name = <None>

[database]
connection = mysql+pymysql://cinder:secret@controller/cinder

[keystone_authtoken]
www_authenticate_uri = http://controller:5000
auth_url = http://controller:5000
memcached_servers = controller:11211
auth_type = password
project_domain_name = default
user_domain_name = default
project_name = service
username = cinder
password = secret

[lvm]
volume_driver = cinder.volume.drivers.lvm.LVMVolumeDriver
volume_group = cinder-volumes
target_protocol = iscsi
target_helper = lioadm
# end of the LVM backend

# Ceph backend, kept disabled for now
#[ceph]
#rbd_pool = volumes

[oslo_concurrency]
lock_path = /var/lib/cinder/tmp
`;
