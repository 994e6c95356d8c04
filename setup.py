from setuptools import find_packages, setup


def readme():
    with open('README.md', encoding='utf-8') as f:
        return f.read()


def version():
    scope = {}
    with open('mmpose_cl/version.py', encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmpose_cl',
    version=version(),
    description='Composite Localization (CLNet) for human pose estimation, '
    'as an MMPose 1.x plugin',
    long_description=readme(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(include=['mmpose_cl', 'mmpose_cl.*']),
    python_requires='>=3.8',
    # The OpenMMLab stack needs a particular install order and build flags
    # (see requirements.txt and tools/setup_env.sh), so it is not declared
    # here where pip would try to resolve it on its own.
    install_requires=[],
)
